/**
 * The most recent per-step costs of recent jobs, in memory, for live views that join late (the dashboard's
 * loss curve). Bounded twice: `capacity` steps per job (oldest dropped first) and `maxJobs` jobs (the job
 * written to least recently dropped first). Nothing here is durable; a restarted coordinator seeds a job's
 * history from its checkpoint's loss history instead.
 */

/** One update of a job: `iteration` counts from 0; `cost` is that batch's cost. */
export interface StepPoint {
  readonly iteration: number;
  readonly cost: number;
}

/** Default steps kept per job. */
export const STEP_HISTORY_CAPACITY = 5000;
/** Default jobs kept. */
export const STEP_HISTORY_MAX_JOBS = 32;

/** A ring of the last `capacity` steps of one job. */
class Ring {
  private readonly iterations: Float64Array;
  private readonly costs: Float64Array;
  private start = 0;
  private size = 0;

  constructor(private readonly capacity: number) {
    this.iterations = new Float64Array(capacity);
    this.costs = new Float64Array(capacity);
  }

  get last(): number {
    return this.size === 0 ? -1 : this.iterations[(this.start + this.size - 1) % this.capacity];
  }

  get first(): number {
    return this.size === 0 ? -1 : this.iterations[this.start];
  }

  push(p: StepPoint): void {
    // A job resumed from an older checkpoint repeats iterations: forget the ones it will redo.
    while (this.size > 0 && this.last >= p.iteration) this.size--;
    const at = (this.start + this.size) % this.capacity;
    this.iterations[at] = p.iteration;
    this.costs[at] = p.cost;
    if (this.size < this.capacity) this.size++;
    else this.start = (this.start + 1) % this.capacity;
  }

  points(): StepPoint[] {
    const out: StepPoint[] = [];
    for (let k = 0; k < this.size; k++) {
      const i = (this.start + k) % this.capacity;
      out.push({ iteration: this.iterations[i], cost: this.costs[i] });
    }
    return out;
  }
}

/** Recent steps of recent jobs. */
export class StepHistory {
  private readonly jobs = new Map<string, Ring>();

  constructor(
    private readonly capacity = STEP_HISTORY_CAPACITY,
    private readonly maxJobs = STEP_HISTORY_MAX_JOBS,
  ) {}

  /** Appends a step of `jobId` (a step at or before the last one kept replaces the ones from there on). */
  record(jobId: string, p: StepPoint): void {
    this.ring(jobId).push(p);
  }

  /**
   * Puts `costs` (the costs of iterations 0, 1, … as a checkpoint's loss history holds them) before the steps
   * kept for `jobId`, where they are older than those; the last `capacity` survive.
   */
  seed(jobId: string, costs: readonly number[]): void {
    const kept = this.jobs.get(jobId)?.points() ?? [];
    const firstKept = kept.length > 0 ? kept[0].iteration : Infinity;
    const ring = new Ring(this.capacity);
    const from = Math.max(0, Math.min(costs.length, firstKept) - this.capacity);
    for (let i = from; i < Math.min(costs.length, firstKept); i++)
      ring.push({ iteration: i, cost: costs[i] });
    for (const p of kept) ring.push(p);
    this.jobs.delete(jobId);
    this.jobs.set(jobId, ring);
    this.evict();
  }

  /** The kept steps of `jobId`, oldest first (empty if none). */
  steps(jobId: string): StepPoint[] {
    return this.jobs.get(jobId)?.points() ?? [];
  }

  /** The first kept iteration of `jobId`, or -1 when none is kept. */
  firstIteration(jobId: string): number {
    return this.jobs.get(jobId)?.first ?? -1;
  }

  private ring(jobId: string): Ring {
    let ring = this.jobs.get(jobId);
    if (ring) {
      // Map order is insertion order: re-inserting makes this the most recently written job.
      this.jobs.delete(jobId);
    } else {
      ring = new Ring(this.capacity);
    }
    this.jobs.set(jobId, ring);
    this.evict();
    return ring;
  }

  private evict(): void {
    for (const id of this.jobs.keys()) {
      if (this.jobs.size <= this.maxJobs) break;
      this.jobs.delete(id);
    }
  }
}
