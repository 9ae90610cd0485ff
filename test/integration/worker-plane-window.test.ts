/**
 * The coordinator widens the HTTP/2 receive window of each worker stream (worker-plane.ts), so a gradient
 * message of a few hundred KiB crosses without WINDOW_UPDATE round trips. Shown by what a window allows: a
 * server that reads nothing can still be sent that many bytes, and with the default window it cannot.
 * (The worker's side, grpc-js's 'grpc-node.flow_control_window' client option, has no such test: the
 * grpc-js client reads eagerly, so a stalled write cannot be provoked without stopping the process.)
 */
import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import { RECEIVE_WINDOW_BYTES, widenReceiveWindow } from '../../src/coordinator/worker-plane';
import { clientOptions, serverOptions } from '../../src/transport/channel-options';
import type { CoordinatorMessage } from '../../src/transport/generated/gradpool/v1/CoordinatorMessage';
import type { CoordinatorMessage__Output } from '../../src/transport/generated/gradpool/v1/CoordinatorMessage';
import type { WorkerMessage } from '../../src/transport/generated/gradpool/v1/WorkerMessage';
import type { WorkerMessage__Output } from '../../src/transport/generated/gradpool/v1/WorkerMessage';
import { protos } from '../../src/transport/proto';
import { encodeTensor } from '../../src/transport/tensor-codec';

type ServerStream = grpc.ServerDuplexStream<WorkerMessage__Output, CoordinatorMessage>;
type ClientStream = grpc.ClientDuplexStream<WorkerMessage, CoordinatorMessage__Output>;

/** A message of about 1 MiB: far over the default 64 KiB window, far under the widened one. */
const FLOATS = 256 * 1024;

describe('worker plane HTTP/2 receive window', function () {
  this.timeout(30_000);
  let server: grpc.Server | null = null;
  let client: grpc.Client | null = null;
  let call: ClientStream | null = null;

  afterEach(() => {
    call?.cancel();
    call = null;
    client?.close();
    client = null;
    server?.forceShutdown();
    server = null;
  });

  /** A Connect server that never reads (so only its receive window lets bytes in), widened or not. */
  async function start(widen: boolean): Promise<string> {
    server = new grpc.Server(serverOptions);
    server.addService(protos().workerPlane, {
      Connect: (c: ServerStream) => {
        if (widen) widenReceiveWindow(c);
      },
      FetchDataset: (c: grpc.ServerWritableStream<unknown, unknown>) =>
        c.destroy(Object.assign(new Error('unused'), { code: grpc.status.UNIMPLEMENTED })),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    return `127.0.0.1:${port}`;
  }

  /** Writes a ~1 MiB result to a server that reads nothing; true if the write completes within `ms`. */
  async function bigWriteCompletes(address: string, ms: number): Promise<boolean> {
    client = new (protos().WorkerPlaneClient)(address, grpc.credentials.createInsecure(), clientOptions);
    const c = (client as unknown as { Connect(): ClientStream }).Connect();
    call = c;
    c.on('error', () => {});
    c.write({ hello: { workerId: 'w' } });
    const grads = [encodeTensor([FLOATS], new Float32Array(FLOATS).fill(0.5))];
    const msg: WorkerMessage = { result: { jobId: 'j', step: 1, shard: 0, count: 1, grads } };
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      new Promise<boolean>((resolve) => c.write(msg, () => resolve(true))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
    clearTimeout(timer);
    return done;
  }

  it('lets a worker send a 1 MiB result to a coordinator that has not read it yet', async () => {
    assert.ok(RECEIVE_WINDOW_BYTES >= 2 * 4 * FLOATS);
    assert.equal(await bigWriteCompletes(await start(true), 20_000), true);
  });

  it('(control) without widening, the same write stalls at the default window', async () => {
    assert.equal(await bigWriteCompletes(await start(false), 1500), false);
  });
});
