/**
 * One in-process gradpool training run for bench/compare.ts, in its own process:
 *
 *   node dist/bench/gp-train.js SPEC.json [--backend cpu-pool] [--threads T]
 *
 * The same run as `gradpool train SPEC` (runJob's steps), with a timestamp after every update. Prints one
 * JSON line: `{"type":"done","backend","seconds","samplesPerSecond","stepMs":[…],"epochs":[…]}`; stepMs[i]
 * is the wall time of update i (from the end of update i − 1), evaluations included where the recipe runs
 * them (after update 0 and at epoch ends).
 */
import { readFileSync } from 'node:fs';
import { parseBackendName, selectBackend } from '../src/backend/select';
import { initParams } from '../src/model/init';
import { Sequential } from '../src/model/sequential';
import { parseJobSpec } from '../src/train/job-spec';
import { LocalExecutor } from '../src/train/local-executor';
import { checkModelFitsData, loadJobData } from '../src/train/run-job';
import { Trainer } from '../src/train/trainer';

async function main(): Promise<void> {
  const [specPath, ...rest] = process.argv.slice(2);
  const opt = (flag: string) => (rest.includes(flag) ? rest[rest.indexOf(flag) + 1] : undefined);
  const threads = opt('--threads');
  const backend = selectBackend(
    parseBackendName(opt('--backend') ?? 'cpu-pool', '--backend'),
    () => {},
    threads === undefined ? undefined : Number(threads),
  );
  try {
    const spec = parseJobSpec(JSON.parse(readFileSync(specPath, 'utf8')));
    const net = Sequential.fromSpec(spec.model);
    const splits = loadJobData(spec.data, spec.train.seed);
    checkModelFitsData(net, splits.train, spec.data.augment);
    const initial = initParams(net, spec.train.seed, (n) => backend.alloc(n));
    const executor = new LocalExecutor(backend, net, splits, spec);
    const epochs: { cost: number; trainAcc: number; valAcc: number }[] = [];
    const stepMs: number[] = [];
    let last = process.hrtime.bigint();
    const result = await new Trainer(executor).train(
      net,
      initial,
      { train: splits.train.count, val: splits.val.count },
      spec.train,
      {
        onEvent: (e) => {
          if (e.type === 'epoch') epochs.push({ cost: e.cost, trainAcc: e.trainAcc, valAcc: e.valAcc });
        },
        afterIteration: () => {
          const now = process.hrtime.bigint();
          stepMs.push(Number(now - last) / 1e6);
          last = now;
        },
      },
    );
    console.log(
      JSON.stringify({
        type: 'done',
        backend: backend.name,
        status: result.status,
        seconds: result.seconds,
        samplesPerSecond: result.samplesPerSecond,
        stepMs,
        epochs,
      }),
    );
  } finally {
    await backend.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
