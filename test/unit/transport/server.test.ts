/** Health checking and the status table over a real grpc-js server on 127.0.0.1:0. */
import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import { GradpoolError } from '../../../src/shared/errors';
import { clientOptions, serverOptions } from '../../../src/transport/channel-options';
import type { HealthCheckResponse__Output } from '../../../src/transport/generated/grpc/health/v1/HealthCheckResponse';
import { HealthService } from '../../../src/transport/health';
import { SERVICE_NAMES, protos } from '../../../src/transport/proto';
import { fromServiceError, toServiceError } from '../../../src/transport/status';

/** Stops `server`, forcing it after `ms` if streams are still open. */
async function stop(server: grpc.Server, ms = 1000): Promise<void> {
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, ms);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

async function listen(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
}

describe('transport over a real server', () => {
  let server: grpc.Server;
  let health: HealthService;
  let address: string;
  const clients: grpc.Client[] = [];

  beforeEach(async () => {
    server = new grpc.Server({ ...serverOptions });
    health = new HealthService({ '': 'SERVING', [SERVICE_NAMES.coordinator]: 'NOT_SERVING' });
    health.addTo(server);
    server.addService(protos().coordinator, {
      GetJob: (
        call: grpc.ServerUnaryCall<{ jobId: string }, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => callback(toServiceError(new GradpoolError('E_NOT_FOUND', `job ${call.request.jobId} not found`))),
      ListJobs: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback(toServiceError(new Error('disk on fire'))),
    });
    address = `127.0.0.1:${await listen(server)}`;
  });

  afterEach(async () => {
    health.close();
    for (const c of clients.splice(0)) c.close();
    await stop(server);
  });

  function healthClient() {
    const c = new (protos().HealthClient)(address, grpc.credentials.createInsecure(), { ...clientOptions });
    clients.push(c);
    return c;
  }

  it('answers Check per service, and NOT_FOUND for an unknown one', async () => {
    const c = healthClient();
    const check = (service: string) =>
      new Promise<HealthCheckResponse__Output>((resolve, reject) =>
        c.Check({ service }, (err, res) => (err ? reject(err) : resolve(res as HealthCheckResponse__Output))),
      );
    assert.equal((await check('')).status, 'SERVING');
    assert.equal((await check(SERVICE_NAMES.coordinator)).status, 'NOT_SERVING');
    health.setStatus(SERVICE_NAMES.coordinator, 'SERVING');
    assert.equal((await check(SERVICE_NAMES.coordinator)).status, 'SERVING');
    await assert.rejects(check('nope.Service'), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
  });

  it('streams status changes to Watch, starting with SERVICE_UNKNOWN for an unknown service', async () => {
    const c = healthClient();
    const seen: string[] = [];
    const call = c.Watch({ service: 'gradpool.v1.WorkerPlane' });
    const ended = new Promise<void>((resolve) => call.on('status', () => resolve()));
    call.on('error', () => {});
    const next = () =>
      new Promise<void>((resolve) =>
        call.once('data', (m: HealthCheckResponse__Output) => (seen.push(m.status), resolve())),
      );
    await next();
    const serving = next();
    health.setStatus('gradpool.v1.WorkerPlane', 'SERVING');
    await serving;
    const notServing = next();
    health.setAll('NOT_SERVING');
    await notServing;
    assert.deepEqual(seen, ['SERVICE_UNKNOWN', 'SERVING', 'NOT_SERVING']);
    health.close();
    await ended;
  });

  it('sends handler errors with their mapped status, and clients read the gradpool code back', async () => {
    const c = new (protos().CoordinatorClient)(address, grpc.credentials.createInsecure(), {
      ...clientOptions,
    });
    clients.push(c);
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      c.GetJob({ jobId: 'j-000042' }, (e) => resolve(e as grpc.ServiceError)),
    );
    assert.equal(err.code, grpc.status.NOT_FOUND);
    const back = fromServiceError(err, `coordinator ${address}`);
    assert.equal(back.code, 'E_NOT_FOUND');
    assert.equal(back.message, `coordinator ${address}: job j-000042 not found (NOT_FOUND)`);
    const internal = await new Promise<grpc.ServiceError>((resolve) =>
      c.ListJobs({}, (e) => resolve(e as grpc.ServiceError)),
    );
    assert.equal(internal.code, grpc.status.INTERNAL);
    assert.equal(fromServiceError(internal).code, 'E_INTERNAL');
    assert.match(internal.details, /internal error: disk on fire/);
  });
});
