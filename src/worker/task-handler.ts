/**
 * Translates the coordinator's messages for a ShardRunner: validate and decode (through the tensor codec),
 * compute, encode the answer. Knows no stream: it returns the message to send back, or null. A bad message
 * never throws out of here; it is logged and answered with TaskFailed.
 */
import type { Backend } from '../backend/backend';
import { backendReport } from '../backend/select';
import type { Sequential } from '../model/sequential';
import { GradpoolError, type ErrorCode } from '../shared/errors';
import type { Logger } from '../shared/log';
import type { CoordinatorMessage__Output } from '../transport/generated/gradpool/v1/CoordinatorMessage';
import type { EvalTask__Output } from '../transport/generated/gradpool/v1/EvalTask';
import type { Params__Output } from '../transport/generated/gradpool/v1/Params';
import type { ShardTask__Output } from '../transport/generated/gradpool/v1/ShardTask';
import type { WorkerMessage } from '../transport/generated/gradpool/v1/WorkerMessage';
import { decodeTensorInto, encodeTensorView } from '../transport/tensor-codec';
import { describeFailed, requireCount, requireIndices, requireJobId, splitName } from './message-fields';
import type { ShardRunner } from './shard-runner';

/** Runs coordinator messages on a ShardRunner and builds the answers. */
export class TaskHandler {
  /** Job contexts (by their network) whose backend was reported; a rebuilt context reports again. */
  private readonly reported = new WeakSet<Sequential>();

  constructor(
    private readonly runner: ShardRunner,
    private readonly backend: Backend,
    private readonly log: Logger,
    /** Runs before a Params message is handled, e.g. fetching the datasets its spec names. */
    private readonly prepare: (specJson: string) => Promise<void> = async () => {},
  ) {}

  /** The answer to `msg` (ShardResult, EvalResult or TaskFailed), or null when there is nothing to send. */
  async handle(msg: CoordinatorMessage__Output): Promise<WorkerMessage | null> {
    try {
      if (msg.msg === 'params' && msg.params) {
        await this.prepare(msg.params.specJson);
        return this.onParams(msg.params);
      }
      if (msg.msg === 'task' && msg.task) return await this.onShardTask(msg.task);
      if (msg.msg === 'eval' && msg.eval) return await this.onEvalTask(msg.eval);
      this.log('warn', 'ignoring a coordinator message without a known member', { msg });
      return null;
    } catch (e) {
      const code: ErrorCode =
        e instanceof GradpoolError ? e.code : e instanceof RangeError ? 'E_BAD_DATA' : 'E_INTERNAL';
      const failed = describeFailed(msg, code, e instanceof Error ? e.message : String(e));
      this.log('warn', 'task failed', { ...failed });
      return { taskFailed: failed };
    }
  }

  /** Builds the job context if needed and caches the parameters in the backend's element type. */
  private onParams(p: Params__Output): null {
    const jobId = requireJobId(p.jobId, 'Params');
    const version = requireCount(p.version, 'Params.version');
    const info = this.runner.job(jobId, p.specJson).net.params;
    if (p.values.length !== info.length) {
      throw new GradpoolError(
        'E_BAD_DATA',
        `Params ${jobId} v${version}: ${p.values.length} tensors for a model with ${info.length} parameters`,
      );
    }
    const values = info.map(
      (param, i) =>
        decodeTensorInto(p.values[i], (n) => this.backend.alloc(n), param.shape, {
          finite: true,
          what: `Params ${jobId} v${version} ${param.name}`,
        }).data,
    );
    this.runner.putParams(jobId, version, values);
    this.log('debug', 'params cached', { jobId, version });
    return null;
  }

  private async onShardTask(t: ShardTask__Output): Promise<WorkerMessage | null> {
    const jobId = requireJobId(t.jobId, 'ShardTask');
    const step = requireCount(t.step, 'ShardTask.step');
    const version = requireCount(t.paramVersion, 'ShardTask.paramVersion');
    const firstRow = requireCount(t.firstRow, 'ShardTask.firstRow');
    const indices = requireIndices(t.sampleIndices, 'ShardTask.sampleIndices');
    const sums = await this.runner.shardSums(jobId, step, version, { indices, firstRow });
    const info = this.runner.paramInfo(jobId);
    if (!sums || !info) return this.missingParams(jobId, version, { step, shard: t.shard });
    const net = this.runner.netOf(jobId);
    const report = net && !this.reported.has(net) ? backendReport(this.backend, net) : undefined;
    if (net && report) this.reported.add(net);
    return {
      result: {
        jobId,
        step,
        shard: t.shard,
        paramVersion: version,
        lossSum: sums.lossSum,
        correct: sums.correct,
        count: sums.count,
        // The sums are fresh arrays this task owns: sent as views, not copied once more.
        grads: sums.grads.map((g, i) => encodeTensorView(info[i].shape, g)),
        backend: report?.backend ?? '',
        backendDetail: report?.detail ?? '',
      },
    };
  }

  private async onEvalTask(e: EvalTask__Output): Promise<WorkerMessage | null> {
    const jobId = requireJobId(e.jobId, 'EvalTask');
    const version = requireCount(e.paramVersion, 'EvalTask.paramVersion');
    const split = splitName(e.split);
    const indices = requireIndices(e.sampleIndices, 'EvalTask.sampleIndices');
    const sums = await this.runner.evaluate(jobId, version, split, indices);
    if (!sums) return this.missingParams(jobId, version, { evalId: e.evalId });
    return {
      evalResult: {
        jobId,
        evalId: e.evalId,
        paramVersion: version,
        lossSum: sums.lossSum,
        correct: sums.correct,
        count: sums.count,
      },
    };
  }

  /** Missing parameters are not an error: the coordinator re-issues the task after its lease. */
  private missingParams(jobId: string, version: number, fields: object): null {
    const msg = 'no parameters for the task; ignoring it (it is re-issued after its lease)';
    this.log('info', msg, { jobId, paramVersion: version, ...fields });
    return null;
  }
}
