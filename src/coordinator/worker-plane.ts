/**
 * The worker plane's gRPC side: each WorkerPlane.Connect stream becomes a WorkerLink in the Scheduler.
 * Hello registers the worker; the end of the stream (or an error) unregisters it, which releases its lease.
 * Params are sent on a stream before the first task that needs a version the worker was not sent yet.
 * Handlers only translate: tensors are decoded through the codec; validation is the scheduler's.
 */
import type { Http2Session } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../shared/log';
import type { CoordinatorMessage } from '../transport/generated/gradpool/v1/CoordinatorMessage';
import type { WorkerPlaneHandlers } from '../transport/generated/gradpool/v1/WorkerPlane';
import type { WorkerMessage__Output } from '../transport/generated/gradpool/v1/WorkerMessage';
import type { ShardResult__Output } from '../transport/generated/gradpool/v1/ShardResult';
import { decodeTensor } from '../transport/tensor-codec';
import type { ParamsPayload } from './remote-executor';
import type { IncomingResult, LeasedTask, Scheduler, WorkerLink } from './scheduler';

/** TaskFailed code with which a draining worker hands a task back (not a fault of the worker). */
const DRAIN_CODE = 'E_UNAVAILABLE';

/**
 * HTTP/2 receive window (bytes) of a worker's connection and streams, for its results: with the default
 * 64 KiB, a gradient message of a few hundred KiB needs several WINDOW_UPDATE round trips, each a wake-up
 * of both processes, which on a busy machine cost more than the message itself.
 */
export const RECEIVE_WINDOW_BYTES = 8 << 20;

/**
 * Widens the receive windows of the HTTP/2 session under `call`. grpc-js has no server option for it
 * (the client side has 'grpc-node.flow_control_window'), so this reaches the session through grpc-js's
 * call objects; when their layout differs it changes nothing, which only costs speed.
 */
export function widenReceiveWindow(call: ConnectCall): void {
  try {
    let c = (call as unknown as { call?: unknown }).call as
      { stream?: { session?: unknown }; nextCall?: unknown } | undefined;
    for (let depth = 0; depth < 8 && c; depth++) {
      const session = c.stream?.session as Http2Session | undefined;
      if (session && typeof session.setLocalWindowSize === 'function') {
        if ((session.localSettings.initialWindowSize ?? 0) < RECEIVE_WINDOW_BYTES) {
          session.settings({ initialWindowSize: RECEIVE_WINDOW_BYTES });
          session.setLocalWindowSize(RECEIVE_WINDOW_BYTES);
        }
        return;
      }
      c = c.nextCall as typeof c;
    }
  } catch {
    // A closed or closing session: nothing to widen.
  }
}

type ConnectCall = grpc.ServerDuplexStream<WorkerMessage__Output, CoordinatorMessage>;

/** One worker stream as a scheduler link. */
class StreamLink implements WorkerLink {
  /**
   * The (job, version) whose parameters this stream was sent last. Params go out again whenever a task
   * needs another (job, version), even one sent before: with several jobs running at once every task
   * then directly follows its parameters (or an earlier task of the same version), so nothing the worker
   * evicts from its caches meanwhile can leave a task without them (it would be dropped until its lease
   * expired).
   */
  private sentParams = '';

  constructor(
    readonly id: string,
    private readonly call: ConnectCall,
  ) {}

  send(task: LeasedTask): void {
    const { ctx, spec } = task;
    const key = `${ctx.jobId}@${ctx.version}`;
    if (this.sentParams !== key) {
      const payload = ctx.payload as ParamsPayload;
      this.call.write({
        params: {
          jobId: ctx.jobId,
          specJson: payload.specJson,
          version: ctx.version,
          values: [...payload.values],
        },
      });
      this.sentParams = key;
    }
    if (spec.kind === 'shard') {
      this.call.write({
        task: {
          jobId: ctx.jobId,
          step: ctx.step,
          shard: spec.shard,
          paramVersion: ctx.version,
          sampleIndices: [...spec.indices],
          firstRow: spec.firstRow,
        },
      });
    } else {
      this.call.write({
        eval: {
          jobId: ctx.jobId,
          evalId: spec.evalId,
          paramVersion: ctx.version,
          split: spec.split === 'train' ? 'TRAIN' : spec.split === 'test' ? 'TEST' : 'VAL',
          sampleIndices: [...spec.indices],
        },
      });
    }
  }

  disconnect(reason: string): void {
    const err = Object.assign(new Error(reason), {
      code: grpc.status.FAILED_PRECONDITION,
      details: reason,
      metadata: new grpc.Metadata(),
    });
    // emit('error') ends the stream with this status; call.destroy() would send none and leave it open.
    this.call.emit('error', err);
  }
}

/** Serves WorkerPlane.Connect on a Scheduler. */
export class WorkerPlane {
  private readonly calls = new Set<ConnectCall>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly log: Logger,
    /** Called when a worker reports the backend it computes a job with (ShardResult.backend). */
    private readonly onBackend: (
      workerId: string,
      jobId: string,
      backend: string,
      detail: string,
    ) => void = () => {},
  ) {}

  /** The grpc-js implementation of Connect (FetchDataset is the DatasetService's). */
  readonly handlers: Omit<WorkerPlaneHandlers, 'FetchDataset'> = {
    Connect: (call: ConnectCall) => this.connect(call),
  };

  /** Ends every worker stream. */
  close(): void {
    for (const call of this.calls) call.end();
    this.calls.clear();
  }

  private connect(call: ConnectCall): void {
    this.calls.add(call);
    widenReceiveWindow(call);
    let link: StreamLink | null = null;
    const gone = () => {
      this.calls.delete(call);
      if (link) this.scheduler.unregister(link.id, link);
      link = null;
    };
    call.on('data', (m: WorkerMessage__Output) => {
      try {
        if (m.msg === 'hello' && m.hello) {
          if (link) return;
          link = new StreamLink(m.hello.workerId || `anonymous-${call.getPeer()}`, call);
          this.log('info', 'worker connected', {
            workerId: link.id,
            backend: m.hello.backend,
            threads: m.hello.threads,
          });
          this.scheduler.register(link);
        } else if (!link) {
          this.log('warn', 'worker message before Hello ignored', { peer: call.getPeer(), msg: m.msg });
        } else if (m.msg === 'heartbeat') {
          this.scheduler.heardFrom(link.id);
        } else if (m.msg === 'result' && m.result) {
          const r = m.result;
          this.log('debug', 'shard result received', {
            workerId: link.id,
            jobId: r.jobId,
            step: Number(r.step),
            shard: r.shard,
          });
          if (r.backend) this.onBackend(link.id, r.jobId, r.backend, r.backendDetail);
          this.scheduler.onResult(link.id, shardResult(r));
        } else if (m.msg === 'evalResult' && m.evalResult) {
          const e = m.evalResult;
          this.scheduler.onResult(link.id, {
            kind: 'eval',
            jobId: e.jobId,
            evalId: Number(e.evalId),
            version: Number(e.paramVersion),
            lossSum: Number(e.lossSum),
            correct: e.correct,
            count: e.count,
          });
        } else if (m.msg === 'taskFailed' && m.taskFailed) {
          const f = m.taskFailed;
          const ref =
            f.kind === 'task'
              ? { jobId: f.jobId, step: Number(f.step), shard: f.shard }
              : f.kind === 'eval'
                ? { jobId: f.jobId, evalId: Number(f.evalId) }
                : { jobId: f.jobId };
          // E_UNAVAILABLE: a worker shutting down hands the task back (src/worker/shutdown.ts).
          if (f.code === DRAIN_CODE) this.scheduler.onDraining(link.id, ref);
          else this.scheduler.onFailure(link.id, ref, `${f.code}: ${f.message}`);
        }
      } catch (e) {
        this.log('error', 'worker message handling failed', { error: String(e) });
      }
    });
    call.on('end', () => {
      gone();
      call.end();
    });
    call.on('error', gone);
    call.on('cancelled', gone);
    call.on('close', gone);
  }
}

/** A ShardResult as the scheduler takes it; a tensor that does not decode makes the result invalid. */
function shardResult(r: ShardResult__Output): IncomingResult {
  const base = {
    kind: 'shard' as const,
    jobId: r.jobId,
    step: Number(r.step),
    shard: r.shard,
    version: Number(r.paramVersion),
    lossSum: Number(r.lossSum),
    correct: r.correct,
    count: r.count,
  };
  try {
    return {
      ...base,
      grads: r.grads.map((t, i) => decodeTensor(t, undefined, { what: `grads[${i}]` }).data),
    };
  } catch (e) {
    return { ...base, grads: [], decodeError: e instanceof Error ? e.message : String(e) };
  }
}
