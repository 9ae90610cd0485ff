/**
 * One Server-Sent Events response: `event: <name>` + `data: <JSON>` frames, a comment line every
 * `heartbeatMs` so proxies and browsers keep the connection, and a cap on unsent bytes so a client that
 * stops reading is dropped instead of growing the coordinator's memory.
 */
import type { ServerResponse } from 'node:http';

/** Options of an SSE stream. */
export interface SseOptions {
  /** Milliseconds between heartbeat comments (default 15 000). */
  readonly heartbeatMs?: number;
  /** Unsent bytes above which the client is dropped (default 8 MiB). */
  readonly maxBufferedBytes?: number;
  /** Milliseconds a disconnected EventSource waits before reconnecting (default 2000). */
  readonly retryMs?: number;
}

/** An open SSE response. */
export class SseStream {
  private readonly heartbeat: NodeJS.Timeout;
  private readonly maxBufferedBytes: number;
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    options: SseOptions = {},
  ) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write(`retry: ${options.retryMs ?? 2000}\n\n`);
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
    res.on('close', () => this.close());
  }

  /** True once closed (by either side). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends one event; `name` must be a plain word (it is a line of the frame). */
  send(name: string, data: unknown): void {
    // JSON.stringify never emits a raw newline, so the data is one `data:` line.
    this.write(`event: ${name.replace(/[^\w-]/g, '_')}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the response. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    if (!this.res.writableEnded) this.res.end();
  }

  private write(chunk: string): void {
    if (this.closed) return;
    if (this.res.writableLength > this.maxBufferedBytes) {
      this.close();
      this.res.destroy();
      return;
    }
    this.res.write(chunk);
  }
}
