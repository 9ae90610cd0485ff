/**
 * Loads the wire contract (gradpool.v1 and grpc.health.v1) once, with one set of options, and hands out
 * typed service definitions and client constructors. The TypeScript message types live in ./generated/
 * (`npm run gen:proto`, run with the same options as LOADER_OPTIONS below; keep the two in step).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { GradpoolError } from '../shared/errors';
import type { ProtoGrpcType as GradpoolGrpcType } from './generated/coordinator';
import type { ProtoGrpcType as HealthGrpcType } from './generated/health';
import type { CoordinatorClient, CoordinatorDefinition } from './generated/gradpool/v1/Coordinator';
import type { WorkerPlaneClient, WorkerPlaneDefinition } from './generated/gradpool/v1/WorkerPlane';
import type { HealthClient, HealthDefinition } from './generated/grpc/health/v1/Health';

/** The .proto files of the contract, relative to PROTO_DIR. */
export const PROTO_FILES: readonly string[] = Object.freeze([
  'gradpool/v1/tensor.proto',
  'gradpool/v1/coordinator.proto',
  'grpc/health/v1/health.proto',
]);

/** Fully qualified service names, as health checks and reflection name them. */
export const SERVICE_NAMES = Object.freeze({
  coordinator: 'gradpool.v1.Coordinator',
  workerPlane: 'gradpool.v1.WorkerPlane',
  health: 'grpc.health.v1.Health',
});

/**
 * The package root: the nearest directory above this file whose package.json names `gradpool`. Works from
 * src/transport (ts sources) and from dist/src/transport (compiled).
 */
function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const name = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
      if (name === 'gradpool') return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new GradpoolError('E_INTERNAL', `cannot find the gradpool package root above ${__dirname}`);
    }
  }
}

/** Directory holding the .proto files (`<package root>/proto`). */
export const PROTO_DIR: string = path.join(packageRoot(), 'proto');

/**
 * The one set of proto-loader options: camelCase field names, 64-bit integers as JS numbers (all our
 * uint64s — steps, versions, ids, milliseconds — stay below 2^53), enums as their names, defaults for
 * omitted fields, and a virtual field naming the member set in each oneof.
 */
export const LOADER_OPTIONS: Readonly<protoLoader.Options> = Object.freeze({
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
});

/** Service definitions (for `server.addService`) and client constructors of the contract. */
export interface Protos {
  readonly coordinator: CoordinatorDefinition;
  readonly workerPlane: WorkerPlaneDefinition;
  readonly health: HealthDefinition;
  readonly CoordinatorClient: new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options?: grpc.ChannelOptions,
  ) => CoordinatorClient;
  readonly WorkerPlaneClient: new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options?: grpc.ChannelOptions,
  ) => WorkerPlaneClient;
  readonly HealthClient: new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options?: grpc.ChannelOptions,
  ) => HealthClient;
}

let loaded: Protos | null = null;

/** The contract, loaded on first use and shared afterwards. */
export function protos(): Protos {
  if (loaded) return loaded;
  const definition = protoLoader.loadSync([...PROTO_FILES], { ...LOADER_OPTIONS });
  const root = grpc.loadPackageDefinition(definition) as unknown as GradpoolGrpcType & HealthGrpcType;
  const v1 = root.gradpool.v1;
  const health = root.grpc.health.v1.Health;
  loaded = Object.freeze({
    coordinator: v1.Coordinator.service,
    workerPlane: v1.WorkerPlane.service,
    health: health.service,
    CoordinatorClient: v1.Coordinator,
    WorkerPlaneClient: v1.WorkerPlane,
    HealthClient: health,
  });
  return loaded;
}
