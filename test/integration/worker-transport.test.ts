/**
 * The worker plane carries whole models in one Params message: the channel options must let a message
 * over grpc-js's 4 MiB default through in both directions, and refuse one over MAX_MESSAGE_BYTES with
 * RESOURCE_EXHAUSTED.
 */
import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import { clientOptions, MAX_MESSAGE_BYTES, serverOptions } from '../../src/transport/channel-options';
import type { CoordinatorMessage } from '../../src/transport/generated/gradpool/v1/CoordinatorMessage';
import type { CoordinatorMessage__Output } from '../../src/transport/generated/gradpool/v1/CoordinatorMessage';
import type { WorkerMessage } from '../../src/transport/generated/gradpool/v1/WorkerMessage';
import type { WorkerMessage__Output } from '../../src/transport/generated/gradpool/v1/WorkerMessage';
import { protos } from '../../src/transport/proto';
import { decodeTensor, encodeTensor } from '../../src/transport/tensor-codec';

type ServerStream = grpc.ServerDuplexStream<WorkerMessage__Output, CoordinatorMessage>;
type ClientStream = grpc.ClientDuplexStream<WorkerMessage, CoordinatorMessage__Output>;

/** 1.5M float32 = 6 MB, over the 4 MiB default limit. */
const BIG = 1_500_000;

function bigValues(n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(i) * 1e-3;
  return v;
}

describe('worker plane message sizes', function () {
  this.timeout(60_000);
  let server: grpc.Server | null;
  let client: grpc.Client | null;

  afterEach(async () => {
    client?.close();
    client = null;
    const s = server;
    server = null;
    if (s) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => (s.forceShutdown(), resolve()), 500);
        s.tryShutdown(() => (clearTimeout(force), resolve()));
      });
    }
  });

  /**
   * A server whose Connect answers each worker message that carries a ShardResult with a Params message
   * holding the same tensors (so one round trip sends a big message each way).
   */
  async function echoServer(options: grpc.ServerOptions): Promise<string> {
    server = new grpc.Server(options);
    server.addService(protos().workerPlane, {
      Connect: (call: ServerStream) => {
        call.on('data', (m: WorkerMessage__Output) => {
          if (m.result) call.write({ params: { jobId: m.result.jobId, version: 1, values: m.result.grads } });
        });
        call.on('end', () => call.end());
        call.on('error', () => {});
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    return `127.0.0.1:${port}`;
  }

  /** Sends one ShardResult with `values` and resolves with the reply, or the status if the call fails. */
  function roundTrip(
    address: string,
    options: grpc.ChannelOptions,
    values: Float32Array,
  ): Promise<{ reply?: CoordinatorMessage__Output; status?: grpc.StatusObject }> {
    const c = new (protos().WorkerPlaneClient)(address, grpc.credentials.createInsecure(), options);
    client = c;
    const call: ClientStream = c.Connect();
    return new Promise((resolve) => {
      call.on('data', (reply: CoordinatorMessage__Output) => {
        call.end();
        resolve({ reply });
      });
      call.on('error', () => {});
      call.on('status', (status) => resolve({ status }));
      call.write({
        result: {
          jobId: 'j-big',
          step: 0,
          shard: 0,
          count: 1,
          grads: [encodeTensor([values.length], values)],
        },
      });
    });
  }

  it('carries a Params message over 4 MiB (1.5M floats) client → server → client', async () => {
    const values = bigValues(BIG);
    const address = await echoServer({ ...serverOptions });
    const { reply, status } = await roundTrip(address, { ...clientOptions }, values);
    assert.ok(reply, `call failed: ${status?.details}`);
    const params = reply.params;
    assert.ok(params && params.values.length === 1);
    assert.ok(params.values[0].data.byteLength > 4 * 1024 * 1024);
    const back = decodeTensor(params.values[0], [BIG], { finite: true });
    assert.ok(
      Buffer.from(back.data.buffer).equals(Buffer.from(values.buffer)),
      'values differ after the round trip',
    );
  });

  it('needs the options: a server on grpc-js defaults refuses the same message', async () => {
    const address = await echoServer({});
    const { reply, status } = await roundTrip(address, { ...clientOptions }, bigValues(BIG));
    assert.equal(reply, undefined);
    assert.equal(status?.code, grpc.status.RESOURCE_EXHAUSTED);
  });

  it('refuses a message over MAX_MESSAGE_BYTES with RESOURCE_EXHAUSTED', async () => {
    const address = await echoServer({ ...serverOptions });
    const { reply, status } = await roundTrip(
      address,
      { ...clientOptions },
      new Float32Array(MAX_MESSAGE_BYTES / 4 + 1),
    );
    assert.equal(reply, undefined);
    assert.equal(status?.code, grpc.status.RESOURCE_EXHAUSTED);
  });
});
