/**
 * The standard gRPC health service (grpc.health.v1.Health: Check and Watch), so Kubernetes gRPC probes and
 * grpc_health_probe work on every gradpool server. The owner sets a serving status per service name; ""
 * stands for the server as a whole.
 */
import * as grpc from '@grpc/grpc-js';
import type { HealthCheckRequest__Output } from './generated/grpc/health/v1/HealthCheckRequest';
import type {
  HealthCheckResponse,
  HealthCheckResponse__Output,
} from './generated/grpc/health/v1/HealthCheckResponse';
import type { HealthHandlers } from './generated/grpc/health/v1/Health';
import { protos } from './proto';

/** A serving status a service can be set to. */
export type ServingStatus = 'SERVING' | 'NOT_SERVING';

type WatchCall = grpc.ServerWritableStream<HealthCheckRequest__Output, HealthCheckResponse>;

/** Serving status per service name, answered over grpc.health.v1. */
export class HealthService {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Map<string, Set<WatchCall>>();

  /** Starts with `initial` (default: the whole server, "", SERVING). */
  constructor(initial: Readonly<Record<string, ServingStatus>> = { '': 'SERVING' }) {
    for (const [service, status] of Object.entries(initial)) this.statuses.set(service, status);
  }

  /** Sets the status of `service` ("" = the whole server) and tells its watchers. */
  setStatus(service: string, status: ServingStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const call of this.watchers.get(service) ?? []) call.write({ status });
  }

  /** Sets every known service, the server included, to `status` (e.g. NOT_SERVING while draining). */
  setAll(status: ServingStatus): void {
    for (const service of [...this.statuses.keys()]) this.setStatus(service, status);
  }

  /** The status Check would answer for `service`; undefined for an unknown service. */
  statusOf(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** The grpc-js implementation, for `server.addService(protos().health, health.handlers)`. */
  readonly handlers: HealthHandlers = {
    Check: (call, callback) => {
      const status = this.statuses.get(call.request.service);
      if (status === undefined) {
        callback({ code: grpc.status.NOT_FOUND, details: `unknown service "${call.request.service}"` });
      } else {
        callback(null, { status });
      }
    },
    Watch: (call) => {
      const service = call.request.service;
      const set = this.watchers.get(service) ?? new Set<WatchCall>();
      this.watchers.set(service, set);
      set.add(call);
      const forget = () => {
        set.delete(call);
        if (set.size === 0 && this.watchers.get(service) === set) this.watchers.delete(service);
      };
      call.on('cancelled', forget);
      call.on('close', forget);
      call.on('error', forget);
      const current: HealthCheckResponse__Output['status'] = this.statuses.get(service) ?? 'SERVICE_UNKNOWN';
      call.write({ status: current });
    },
  };

  /** Registers the service on `server`. */
  addTo(server: grpc.Server): void {
    server.addService(protos().health, this.handlers);
  }

  /** Ends every Watch stream (OK status), so that a server's tryShutdown is not held open by them. */
  close(): void {
    for (const set of this.watchers.values()) {
      for (const call of set) call.end();
    }
    this.watchers.clear();
  }
}
