/** gRPC handlers of gradpool.v1.Coordinator: they only translate; errors go through the status table. */
import type * as grpc from '@grpc/grpc-js';
import type { CoordinatorHandlers } from '../transport/generated/gradpool/v1/Coordinator';
import type { Job } from '../transport/generated/gradpool/v1/Job';
import type { JobEvent } from '../transport/generated/gradpool/v1/JobEvent';
import { silentLogger, type Logger } from '../shared/log';
import { protos } from '../transport/proto';
import { toServiceError } from '../transport/status';
import { encodeTensor } from '../transport/tensor-codec';
import { Auth, type Principal } from './auth';
import type { Coordinator, JobView } from './coordinator';
import type { DatasetService } from './dataset-service';
import type { WatchedEvent } from './job-events';
import type { KFoldState, StoredFold } from './job-store';
import type { CrossValidation } from '../transport/generated/gradpool/v1/CrossValidation';
import type { FoldEvent } from '../transport/generated/gradpool/v1/FoldEvent';

/**
 * The Coordinator service implementation over `c` (datasets: `datasets`), guarded by `auth`: every rpc is authorized before its
 * handler runs (auth.ts RPC_ROLES), and handlers read the caller with auth.principalOf.
 */
export function coordinatorHandlers(
  c: Coordinator,
  datasets: DatasetService,
  auth: Auth = Auth.open(),
  log: Logger = silentLogger,
): CoordinatorHandlers {
  const unary =
    <Req, Res>(fn: (req: Req, who: Principal) => Promise<Res> | Res) =>
    (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      Promise.resolve()
        .then(() => fn(call.request, auth.principalOf(call)))
        .then(
          (res) => callback(null, res),
          (e: unknown) => callback(toServiceError(e)),
        );
    };
  const handlers: CoordinatorHandlers = {
    SubmitJob: unary(async (req, who) => {
      const { job, duplicate } = await c.submit(req.specJson, req.requestId, who.name);
      return { job: toJob(job), duplicate };
    }),
    GetJob: unary((req) => toJob(c.getJob(req.jobId))),
    ListJobs: unary(() => ({ jobs: c.listJobs().map(toJob) })),
    CancelJob: unary(async (req, who) => {
      auth.requireOwnerOrAdmin(who, c.getJob(req.jobId), 'CancelJob');
      return toJob(await c.cancelJob(req.jobId));
    }),
    WatchJob: (call) => {
      const jobId = call.request.jobId;
      let unsubscribe: () => void = () => {};
      let ended = false;
      const finish = () => {
        ended = true;
        unsubscribe();
      };
      call.on('cancelled', finish);
      try {
        unsubscribe = c.watchJob(jobId, (e) => {
          if (ended) return;
          call.write(toJobEvent(jobId, e));
          if (e.type === 'done') {
            finish();
            call.end();
          }
        });
        if (ended) unsubscribe();
      } catch (e) {
        // Not call.destroy(): a destroyed grpc-js server stream never sends its status (the client hangs).
        call.emit('error', toServiceError(e));
      }
    },
    GetJobHistory: unary((req) => c.jobHistory(req.jobId)),
    Evaluate: unary((req, who) => {
      auth.requireOwnerOrAdmin(who, c.getJob(req.jobId), 'Evaluate');
      return c.evaluate(req.jobId, req.split);
    }),
    UploadDataset: datasets.upload,
    ListDatasets: datasets.list,
    ExportModel: (call) => {
      c.exportModel(call.request.jobId).then(
        ({ names, shapes, model, preprocess }) => {
          model.bestParams.forEach((p, i) =>
            call.write({
              name: names[i],
              value: encodeTensor(shapes[i], p),
              ...(i === 0 && preprocess ? { preprocess } : {}),
            }),
          );
          call.end();
        },
        (e: unknown) => call.emit('error', toServiceError(e)),
      );
    },
  };
  return auth.guard(protos().coordinator, handlers, (rpc, peer, reason) =>
    log('warn', 'call refused', { rpc, peer, reason }),
  );
}

function toJob(j: JobView): Job {
  return {
    id: j.id,
    name: j.name,
    state: j.state,
    specJson: j.specJson,
    iteration: j.iteration,
    totalIterations: j.totalIterations,
    epoch: j.epoch,
    epochs: j.epochs,
    bestValAcc: j.bestValAcc,
    testLooks: j.testLooks ?? 0,
    workerBackends: [...(j.workerBackends ?? [])],
    fingerprint: j.fingerprint,
    message: j.message,
    waitingForWorkers: j.waitingForWorkers,
    createdMs: j.createdMs,
    updatedMs: j.updatedMs,
    paramCount: j.paramCount,
    parentId: j.parentId ?? '',
    bestSpecJson: j.search?.bestSpecJson ?? '',
    bestTrialJobId: j.search?.bestTrialJobId ?? '',
    startedMs: j.startedMs ?? 0,
    owner: j.owner ?? '',
    ...(j.kfold ? { crossValidation: toCrossValidation(j.kfold) } : {}),
  };
}

function toFoldEvent(f: StoredFold): FoldEvent {
  return {
    foldJobId: f.jobId,
    fold: f.fold,
    folds: f.folds,
    valAcc: f.valAcc,
    state: f.state,
    reason: f.reason,
  };
}

function toCrossValidation(k: KFoldState): CrossValidation {
  return { folds: k.folds, results: k.results.map(toFoldEvent), ...(k.summary ?? {}) };
}

function toJobEvent(jobId: string, e: WatchedEvent): JobEvent {
  switch (e.type) {
    case 'state':
      return { jobId, state: e.state };
    case 'epoch':
      return { jobId, epoch: { ...e.epoch } };
    case 'hint':
      return { jobId, hint: e.message };
    case 'done': {
      const { kfold, ...done } = e.done;
      return { jobId, done: { ...done, ...(kfold ? { crossValidation: toCrossValidation(kfold) } : {}) } };
    }
    case 'fold':
      return { jobId, fold: toFoldEvent(e.fold) };
    case 'trial': {
      const { jobId: trialJobId, ...trial } = e.trial;
      return { jobId, trial: { trialJobId, ...trial, values: { ...trial.values } } };
    }
  }
}
