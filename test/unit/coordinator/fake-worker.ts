/** A WorkerLink for scheduler tests: it records what it was sent and why it was disconnected. */
import type { LeasedTask, WorkerLink } from '../../../src/coordinator/scheduler';

/** A worker that records what it was sent. */
export class FakeWorker implements WorkerLink {
  readonly sent: LeasedTask[] = [];
  disconnected: string | null = null;
  constructor(readonly id: string) {}
  send(task: LeasedTask): void {
    this.sent.push(task);
  }
  disconnect(reason: string): void {
    this.disconnected = reason;
  }
  get last(): LeasedTask {
    return this.sent[this.sent.length - 1];
  }
}
