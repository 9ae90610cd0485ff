/** How a k-fold cross-validation job's folds and summary look on a terminal and in --json. */
import type { Backend } from '../backend/backend';
import type { JobEventInfo } from '../coordinator/client';
import { foldSummary } from '../data/kfold';
import { epochLine } from '../train/format';
import type { JobSpec } from '../train/job-spec';
import { runJob } from '../train/run-job';
import { foldLine, summaryLine } from '../train/kfold-format';

type FoldInfo = NonNullable<JobEventInfo['fold']>;
type CrossValidationInfo = NonNullable<NonNullable<JobEventInfo['done']>['crossValidation']>;

/** `fold 2 / 5: val_acc 0.912000`, or the fold as one JSON object. */
export function renderFold(f: FoldInfo, jobId: string, json: boolean): string {
  return json
    ? JSON.stringify({ type: 'fold', jobId, ...foldJson(f) })
    : foldLine(f.fold, f.folds, f.valAcc, String(f.state), f.reason);
}

/** The summary line of an ended k-fold job, or the summary as one JSON object. */
export function renderCrossValidation(cv: CrossValidationInfo, jobId: string, json: boolean): string {
  const finished = cv.results.filter((r) => r.state === 'FINISHED').length;
  if (json) {
    return JSON.stringify({
      type: 'crossValidation',
      jobId,
      folds: cv.folds,
      finished,
      mean: cv.mean,
      std: cv.std,
      min: cv.min,
      max: cv.max,
      results: [...cv.results].sort((a, b) => a.fold - b.fold).map(foldJson),
    });
  }
  const line = summaryLine(cv.folds, cv);
  return finished === cv.folds ? line : `${line} — over ${finished} finished folds of ${cv.folds}`;
}

function foldJson(f: FoldInfo): Record<string, unknown> {
  return {
    foldJobId: f.foldJobId,
    fold: f.fold,
    folds: f.folds,
    valAcc: f.valAcc,
    state: String(f.state),
    ...(f.reason ? { reason: f.reason } : {}),
  };
}

/** Whether `spec` is a k-fold cross-validation job (folds, no fold index): it trains k models. */
export function isKFoldJob(spec: JobSpec): boolean {
  return spec.data.split.folds !== undefined && spec.data.split.fold === undefined;
}

/**
 * `gradpool train <spec>` (in this process) of a k-fold job: the k folds one after the other, each with its
 * epoch lines, then a line per fold and the summary. Exit code 0 when every fold finished, 3 when one
 * diverged.
 */
export async function trainKFoldInProcess(
  spec: JobSpec,
  backend: Backend,
  json: boolean,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const folds = spec.data.split.folds ?? 0;
  const valAccs: number[] = [];
  let diverged = false;
  for (let fold = 0; fold < folds; fold++) {
    const foldSpec: JobSpec = { ...spec, data: { ...spec.data, split: { ...spec.data.split, fold } } };
    if (!json) err(`fold ${fold + 1} / ${folds}: training`);
    const { result } = await runJob(foldSpec, backend, (e) => {
      if (e.type !== 'epoch') return json ? out(JSON.stringify(e)) : err(`hint: ${e.message}`);
      const { type: _t, ...fields } = e;
      void _t;
      out(json ? JSON.stringify({ type: 'epoch', fold, ...fields }) : epochLine(e));
    });
    const state = result.status === 'finished' ? 'FINISHED' : 'DIVERGED';
    if (state === 'FINISHED') valAccs.push(result.bestValAcc);
    else diverged = true;
    out(
      json
        ? JSON.stringify({ type: 'fold', fold, folds, valAcc: result.bestValAcc, state })
        : foldLine(fold, folds, result.bestValAcc, state, result.diagnosis ?? ''),
    );
  }
  if (valAccs.length > 0) {
    const s = foldSummary(valAccs);
    out(
      json
        ? JSON.stringify({ type: 'crossValidation', folds, finished: valAccs.length, ...s })
        : summaryLine(folds, s) +
            (valAccs.length < folds ? ` — over ${valAccs.length} finished folds of ${folds}` : ''),
    );
  }
  return diverged ? 3 : 0;
}
