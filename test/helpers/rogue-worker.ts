/**
 * A rogue worker for fault tests: it speaks the worker-plane wire contract, computes real results like a
 * worker does, and answers its shard tasks in turn with wrong-length gradients, NaN gradients, a stale
 * param_version, and a valid result sent twice.
 */
import * as grpc from '@grpc/grpc-js';
import type { Backend } from '../../src/backend/backend';
import { selectBackend } from '../../src/backend/select';
import { silentLogger } from '../../src/shared/log';
import { clientOptions } from '../../src/transport/channel-options';
import type { CoordinatorMessage__Output } from '../../src/transport/generated/gradpool/v1/CoordinatorMessage';
import type { WorkerMessage } from '../../src/transport/generated/gradpool/v1/WorkerMessage';
import type { WorkerPlaneClient } from '../../src/transport/generated/gradpool/v1/WorkerPlane';
import { protos } from '../../src/transport/proto';
import { encodeTensor } from '../../src/transport/tensor-codec';
import { ShardRunner } from '../../src/worker/shard-runner';
import { TaskHandler } from '../../src/worker/task-handler';
import { settlesWithin } from './cluster';

/** What a rogue worker does with its n-th shard task. */
export const ROGUE_MODES = ['wrong-length', 'nan', 'stale-version', 'duplicate'] as const;
export type RogueMode = (typeof ROGUE_MODES)[number];

/**
 * A worker written against the wire contract only: Hello, then every shard task answered in turn with
 * wrong-length gradients, NaN gradients, a stale param_version, and a valid result sent twice. Valid
 * results are computed like a real worker does (TaskHandler on the same backend kind); evaluations are
 * answered correctly.
 */
export class RogueWorker {
  readonly sent: RogueMode[] = [];
  /** When each of `sent` was sent (Date.now()). */
  readonly sentAtMs: number[] = [];
  /** The status that ended the stream. */
  readonly ended: Promise<grpc.StatusObject>;
  private readonly client: WorkerPlaneClient;
  private readonly call: grpc.ClientDuplexStream<WorkerMessage, CoordinatorMessage__Output>;
  private readonly backend: Backend;
  private readonly handler: TaskHandler;
  private chain: Promise<void> = Promise.resolve();
  private tasks = 0;
  private closed = false;

  constructor(
    address: string,
    readonly id: string,
  ) {
    this.backend = selectBackend('gpujs-cpu', () => {});
    this.handler = new TaskHandler(new ShardRunner(this.backend), this.backend, silentLogger);
    this.client = new (protos().WorkerPlaneClient)(address, grpc.credentials.createInsecure(), {
      ...clientOptions,
    });
    this.call = this.client.Connect();
    this.ended = new Promise((resolve) => this.call.on('status', resolve));
    this.call.on('error', () => {}); // reported through 'status'
    this.call.on('data', (m: CoordinatorMessage__Output) => {
      this.chain = this.chain.then(() => this.answer(m)).catch(() => {});
    });
    this.write({ hello: { workerId: id, backend: 'rogue', threads: 1, dtype: 'float32' } });
  }

  /** Ends the stream and releases the backend. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.call.cancel();
    this.client.close();
    await settlesWithin(this.chain, 10_000);
    await this.backend.close();
  }

  private write(m: WorkerMessage): void {
    if (!this.closed) this.call.write(m);
  }

  private async answer(m: CoordinatorMessage__Output): Promise<void> {
    const reply = await this.handler.handle(m);
    if (this.closed || !reply) return;
    if (!reply.result) return this.write(reply); // evaluations and failures, as a real worker sends them
    const r = reply.result;
    const mode = ROGUE_MODES[this.tasks++ % ROGUE_MODES.length];
    this.sent.push(mode);
    this.sentAtMs.push(Date.now());
    const grads = [...(r.grads ?? [])] as { shape: number[]; data: Buffer }[];
    const n = grads[0].data.length / 4;
    switch (mode) {
      case 'wrong-length':
        grads[0] = encodeTensor([n - 1], new Float32Array(n - 1));
        return this.write({ result: { ...r, grads } });
      case 'nan':
        grads[0] = encodeTensor(grads[0].shape, new Float32Array(n).fill(NaN));
        return this.write({ result: { ...r, grads } });
      case 'stale-version': {
        const v = Number(r.paramVersion);
        return this.write({ result: { ...r, paramVersion: v > 0 ? v - 1 : v + 1 } });
      }
      case 'duplicate':
        this.write(reply);
        return this.write(reply);
    }
  }
}
