// Writes one tools/call answer on node:http the way the SDK's transports do: 2026-07-28 answers
// are JSON unless a notification (progress) precedes the result, then the response becomes an SSE
// stream; 2025-era stateless and session answers are always SSE. Frames are
// `event: message\ndata: <json>\n\n`, as the SDK writes them.
import type http from 'node:http';

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};
const KEEPALIVE_MS = 15_000;

export class ToolCallResponse {
  private streaming = false;
  private keepalive: NodeJS.Timeout | null = null;
  private ended = false;

  constructor(
    private readonly res: http.ServerResponse,
    private readonly alwaysStream: boolean,
  ) {}

  /** The answer was written (or given up on); a later connection close is not a cancellation. */
  get completed(): boolean {
    return this.ended;
  }

  get finished(): boolean {
    return this.ended || this.res.destroyed;
  }

  /** 2025-era answers are streams from the start (as the SDK's transports answer them). */
  begin(): void {
    if (this.alwaysStream) this.startStream();
  }

  /** A notification for this request (progress); switches the answer to SSE. */
  notify(message: unknown): void {
    if (this.finished) return;
    this.startStream();
    this.res.write(frame(message));
  }

  /** The terminal JSON-RPC message (result or error). */
  end(message: unknown): void {
    if (this.finished) return;
    this.ended = true;
    if (this.streaming || this.alwaysStream) {
      this.startStream();
      if (this.keepalive) clearInterval(this.keepalive);
      this.res.end(frame(message));
      return;
    }
    const text = JSON.stringify(message);
    this.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    this.res.end(text);
  }

  /** Ends the response without an answer (a cancelled request): an open stream just closes. */
  close(): void {
    if (this.finished) return;
    this.ended = true;
    if (this.keepalive) clearInterval(this.keepalive);
    if (!this.streaming) this.res.writeHead(204);
    this.res.end();
  }

  /** Stops the keep-alive timer when the client goes away first. */
  abandon(): void {
    this.ended = true;
    if (this.keepalive) clearInterval(this.keepalive);
  }

  private startStream(): void {
    if (this.streaming) return;
    this.streaming = true;
    this.res.writeHead(200, SSE_HEADERS);
    this.res.flushHeaders();
    // Proxies and clients drop idle streams; a held call (long tool, approval) must not look idle.
    this.keepalive = setInterval(() => {
      if (!this.finished) this.res.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }
}

function frame(message: unknown): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}
