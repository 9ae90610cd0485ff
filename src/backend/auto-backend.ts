/**
 * `--backend auto`: several float32 backends started side by side; the first shard of a model shape is
 * computed on each of them (one untimed call that compiles kernels and starts threads, then `probeRuns`
 * timed calls), and the fastest by its quickest timed call computes every later shard of that shape. The choice and the
 * times are logged and kept per shape for the worker to report.
 *
 * Different workers may choose differently; results then differ in the last bits between runs (the float32
 * backends agree within the parity tolerance, not bit for bit), which is why a fixed `--backend` remains
 * the way to bit-identical fingerprints across pools.
 */
import type { Data } from '../../kernels/spec';
import type { Sequential } from '../model/sequential';
import type { GradientSums } from '../model/types';
import { GradpoolError } from '../shared/errors';
import type { Backend, EvalSums, ShardInput } from './backend';

/** A started backend auto may choose, by its user-facing name. */
export interface AutoCandidate {
  readonly name: string;
  readonly backend: Backend;
}

/** What auto chose for one model shape, and why. */
export interface AutoChoice {
  /** The chosen candidate's name. */
  readonly backend: string;
  /** Milliseconds of the quickest timed probe call, by candidate name. */
  readonly timesMs: Readonly<Record<string, number>>;
  /** Rows of the probe shard. */
  readonly rows: number;
}

/** Settings of an AutoBackend. */
export interface AutoBackendOptions {
  /** Timed probe calls per candidate (default 3), after one untimed call. */
  readonly probeRuns?: number;
  /** Milliseconds now, for timing (default performance.now). */
  readonly now?: () => number;
  /** Called once per model shape with the choice. */
  readonly onChoice?: (choice: AutoChoice, shape: string) => void;
}

/** The shape key of a network: input, layer kinds and parameter shapes. */
export function modelShapeKey(net: Sequential): string {
  const layers = net.spec.layers.map((l) => l.type).join(',');
  const params = net.params.map((p) => p.shape.join('x')).join(',');
  return `in ${net.inputShape.join('x')} | ${layers} | ${params}`;
}

/** A Backend that measures its candidates per model shape and delegates to the fastest. */
export class AutoBackend implements Backend {
  readonly name = 'auto';
  readonly dtype = 'float32' as const;
  private readonly choices = new Map<string, Promise<{ backend: Backend; choice: AutoChoice }>>();
  private readonly settled = new Map<string, AutoChoice>();
  private readonly probeRuns: number;
  private readonly now: () => number;

  constructor(
    /** The started candidates, in probe order. */
    readonly candidates: readonly AutoCandidate[],
    private readonly options: AutoBackendOptions = {},
  ) {
    if (candidates.length === 0) throw new GradpoolError('E_BACKEND_UNAVAILABLE', 'auto needs a candidate');
    const bad = candidates.find((c) => c.backend.dtype !== 'float32');
    if (bad) {
      throw new GradpoolError(
        'E_INTERNAL',
        `auto candidates must be float32; ${bad.name} is ${bad.backend.dtype}`,
      );
    }
    this.probeRuns = Math.max(1, options.probeRuns ?? 3);
    this.now = options.now ?? (() => performance.now());
  }

  /** The choice made for `net`'s shape, once its first shard has run; undefined before. */
  choiceFor(net: Sequential): AutoChoice | undefined {
    return this.settled.get(modelShapeKey(net));
  }

  alloc(length: number): Data {
    return new Float32Array(length);
  }

  async gradientSums(net: Sequential, params: readonly Data[], shard: ShardInput): Promise<GradientSums> {
    const { backend } = await this.choose(net, (b) => b.gradientSums(net, params, shard), shard.count);
    return backend.gradientSums(net, params, shard);
  }

  /** Several shards on the chosen backend (probed with the first shard), together where it can. */
  async gradientSumsOfShards(
    net: Sequential,
    params: readonly Data[],
    shards: readonly ShardInput[],
  ): Promise<GradientSums[]> {
    if (shards.length === 0) return [];
    const first = shards[0];
    const { backend } = await this.choose(net, (b) => b.gradientSums(net, params, first), first.count);
    if (backend.gradientSumsOfShards) return backend.gradientSumsOfShards(net, params, shards);
    const out: GradientSums[] = [];
    for (const shard of shards) out.push(await backend.gradientSums(net, params, shard));
    return out;
  }

  async evaluate(
    net: Sequential,
    params: readonly Data[],
    x: Data,
    labels: Data,
    count: number,
  ): Promise<EvalSums> {
    const { backend } = await this.choose(net, (b) => b.evaluate(net, params, x, labels, count), count);
    return backend.evaluate(net, params, x, labels, count);
  }

  async close(): Promise<void> {
    await Promise.all(this.candidates.map((c) => c.backend.close()));
  }

  /** The backend for `net`'s shape; the first call per shape probes every candidate with `probe`. */
  private choose(
    net: Sequential,
    probe: (b: Backend) => Promise<unknown>,
    rows: number,
  ): Promise<{ backend: Backend; choice: AutoChoice }> {
    const key = modelShapeKey(net);
    let chosen = this.choices.get(key);
    if (!chosen) {
      chosen = this.measure(probe, rows).then((r) => {
        this.settled.set(key, r.choice);
        this.options.onChoice?.(r.choice, key);
        return r;
      });
      // A failed probe is not cached: the next shard of this shape probes again.
      chosen.catch(() => this.choices.delete(key));
      this.choices.set(key, chosen);
    }
    return chosen;
  }

  private async measure(
    probe: (b: Backend) => Promise<unknown>,
    rows: number,
  ): Promise<{ backend: Backend; choice: AutoChoice }> {
    const timesMs: Record<string, number> = {};
    let best: AutoCandidate = this.candidates[0];
    for (const c of this.candidates) {
      await probe(c.backend); // compiles kernels, starts threads: not part of the steady cost
      const runs: number[] = [];
      for (let i = 0; i < this.probeRuns; i++) {
        const t0 = this.now();
        await probe(c.backend);
        runs.push(this.now() - t0);
      }
      // The quickest call: other load on the machine only ever adds time.
      timesMs[c.name] = Math.min(...runs);
      if (timesMs[c.name] < timesMs[best.name]) best = c;
    }
    return { backend: best.backend, choice: { backend: best.name, timesMs, rows } };
  }
}

/** "cpu-pool (auto: cpu-pool 3.1 ms, gpujs-cpu 7.9 ms for a 25-row shard)". */
export function describeChoice(c: AutoChoice): string {
  const times = Object.entries(c.timesMs)
    .map(([name, ms]) => `${name} ${ms.toFixed(1)} ms`)
    .join(', ');
  return `auto: ${times} for a ${c.rows}-row shard`;
}
