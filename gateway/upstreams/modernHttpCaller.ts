// `tools/call` to a 2026-07-28 upstream over Streamable HTTP, on undici's dispatcher (a connection
// pool with callbacks, no streams). The SDK Client still connects, discovers, lists and
// subscribes; only the hot path comes here, because the SDK's fetch-based transport cost ~0.6 ms
// of CPU per call in the benchmarks (undici's fetch, web streams, and a derived AbortSignal per
// request that Node 20 keeps a WeakRef to for the life of the transport), and node:http's client
// another ~0.1 ms more than this. On the wire this sends what the SDK Client sends (same headers,
// same envelope), with ids of its own so they can never collide with the SDK Client's numeric ids.
import { StringDecoder } from 'node:string_decoder';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';
import { Pool, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import type { GatewayError } from '../errors.ts';
import { UpstreamCallError, UpstreamTimeoutError, UpstreamUnavailableError } from '../errors.ts';
import { encodeMcpHeaderValue } from './mcpHeaderValue.ts';
import type { CallOptions } from './upstreamConnection.ts';

const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

export interface ModernCallerOptions {
  url: URL;
  /** Configured per-upstream headers (credentials of the gateway's own, never the agent's token). */
  headers: Record<string, string>;
  protocolVersion: string;
  clientInfo: { name: string; version: string };
  /** Called when the upstream cannot be reached, so the connection reconnects and re-lists. */
  onConnectionError: (message: string) => void;
}

interface JsonRpcMessage {
  id?: unknown;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

export class ModernHttpCaller {
  private readonly pool: Pool;
  private readonly envelope: Record<string, unknown>;
  private readonly baseHeaders: Record<string, string>;
  private nextId = 0;

  constructor(private readonly options: ModernCallerOptions) {
    this.pool = new Pool(options.url.origin, { connections: 256, pipelining: 1 });
    this.envelope = {
      'io.modelcontextprotocol/protocolVersion': options.protocolVersion,
      'io.modelcontextprotocol/clientInfo': options.clientInfo,
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    this.baseHeaders = {
      ...options.headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': options.protocolVersion,
      'mcp-method': 'tools/call',
    };
  }

  call(tool: string, args: Record<string, unknown>, options: CallOptions, upstream: string): Promise<CallToolResult> {
    const id = `cs-${this.nextId++}`;
    const meta = options.onProgress ? { ...this.envelope, progressToken: id } : this.envelope;
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: tool, arguments: args, _meta: meta },
    });
    return new Promise<CallToolResult>((resolve, reject) => {
      const exchange = new ToolCallExchange(
        id,
        tool,
        upstream,
        options,
        this.options.onConnectionError,
        resolve,
        reject,
      );
      if (!exchange.start()) return;
      this.pool.dispatch(
        {
          origin: this.options.url.origin,
          path: this.options.url.pathname + this.options.url.search,
          method: 'POST',
          headers: { ...this.baseHeaders, 'mcp-name': encodeMcpHeaderValue(tool) },
          body,
        },
        exchange,
      );
    });
  }

  close(): void {
    void this.pool.destroy().catch(() => undefined);
  }
}

/**
 * One call's exchange: undici's dispatch handler, the abort listener and the timeout in one object,
 * so the hot path allocates no closures. Settles exactly once.
 */
class ToolCallExchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private settled = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();
  private status = 0;
  private sse: EventSourceParser | null = null;
  private decoder: StringDecoder | null = null;
  private chunks: Buffer[] = [];
  private received = 0;

  constructor(
    private readonly id: string,
    private readonly tool: string,
    private readonly upstream: string,
    private readonly options: CallOptions,
    private readonly onConnectionError: (message: string) => void,
    private readonly resolve: (result: CallToolResult) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  /** False if the caller had already given up (nothing is sent then). */
  start(): boolean {
    if (this.options.signal.aborted) {
      this.fail(new UpstreamCallError(this.upstream, this.tool, 'cancelled by the caller'));
      return false;
    }
    this.options.signal.addEventListener('abort', this, { once: true });
    this.armTimer();
    return true;
  }

  /** The caller's abort signal. */
  handleEvent(): void {
    this.fail(new UpstreamCallError(this.upstream, this.tool, 'cancelled by the caller'));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(new Error('call already settled'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    const raw = headers['content-type'];
    const type = (Array.isArray(raw) ? raw[0] : raw) ?? '';
    if (statusCode === 200 && type.split(';', 1)[0]!.trim().toLowerCase() === 'text/event-stream') {
      this.decoder = new StringDecoder('utf8');
      this.sse = createParser({ onEvent: (event) => this.onEvent(event) });
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.received += chunk.length;
    if (this.received > MAX_RESPONSE_BYTES) {
      this.fail(new UpstreamCallError(this.upstream, this.tool, `response larger than ${MAX_RESPONSE_BYTES} bytes`));
      controller.abort(new Error('response too large'));
      return;
    }
    if (this.sse) this.sse.feed(this.decoder!.write(chunk));
    else this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    if (!this.sse) {
      const text = Buffer.concat(this.chunks, this.received).toString('utf8');
      const message = parseMessage(text);
      // A JSON-RPC error for our id is the upstream's answer whatever the status (400 carries them).
      if (message && (this.status === 200 || message.error)) this.onMessage(message);
      if (this.settled) return;
      this.fail(
        new UpstreamCallError(this.upstream, this.tool, `HTTP ${this.status}: ${text.slice(0, 300) || '(empty body)'}`),
      );
      return;
    }
    this.fail(new UpstreamCallError(this.upstream, this.tool, 'the response stream ended without a result'));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    const code = (error as NodeJS.ErrnoException).code;
    const message = code ? `${code}: ${error.message}` : error.message;
    this.onConnectionError(message);
    this.fail(new UpstreamUnavailableError(this.upstream, message));
  }

  private onEvent(event: EventSourceMessage): void {
    if (event.event !== undefined && event.event !== 'message') return;
    if (!event.data) return;
    const message = parseMessage(event.data);
    if (message) this.onMessage(message);
  }

  private onMessage(message: JsonRpcMessage): void {
    if (message.method === 'notifications/progress') {
      const params = message.params ?? {};
      if (params['progressToken'] !== this.id || !this.options.onProgress) return;
      if (Date.now() - this.started >= this.options.maxTotalTimeoutMs) {
        this.fail(new UpstreamTimeoutError(this.upstream, this.tool, this.options.maxTotalTimeoutMs));
        return;
      }
      this.armTimer(); // progress resets the per-call timeout, up to the total bound
      const { progressToken: _token, ...progress } = params;
      this.options.onProgress(progress as { progress: number; total?: number; message?: string });
      return;
    }
    if (message.id !== this.id) return; // requests from the server: a 2026-07-28 client drops them
    if (message.error) {
      const { code, message: text } = message.error;
      this.fail(new UpstreamCallError(this.upstream, this.tool, `${text} (JSON-RPC ${code})`));
      return;
    }
    const checked = toCallToolResult(message.result);
    if (typeof checked === 'string') this.fail(new UpstreamCallError(this.upstream, this.tool, checked));
    else this.succeed(checked);
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(timeOut, this.options.timeoutMs, this);
  }

  timedOut(): void {
    this.fail(new UpstreamTimeoutError(this.upstream, this.tool, this.options.timeoutMs));
  }

  private succeed(result: CallToolResult): void {
    if (!this.settle()) return;
    this.resolve(result);
  }

  private fail(error: GatewayError): void {
    if (!this.settle()) return;
    // Closing the response stream is how the 2026-07-28 revision cancels a request.
    this.controller?.abort(error);
    this.reject(error);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timer);
    this.options.signal.removeEventListener('abort', this);
    return true;
  }
}

function timeOut(exchange: ToolCallExchange): void {
  exchange.timedOut();
}

function parseMessage(text: string): JsonRpcMessage | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** The structural check the SDK client makes on a 2026-07-28 result; returns why it is not one. */
function toCallToolResult(result: Record<string, unknown> | undefined): CallToolResult | string {
  if (!result || typeof result !== 'object') return 'the upstream answered without a result';
  const { resultType, ...rest } = result;
  if (resultType !== 'complete') {
    return resultType === undefined
      ? 'the upstream result is missing the required resultType'
      : `the upstream answered with resultType ${JSON.stringify(resultType)}, which the gateway does not relay`;
  }
  if (!Array.isArray(rest['content'])) return 'the upstream result has no content array';
  return rest as CallToolResult;
}
