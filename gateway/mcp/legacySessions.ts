// Session-bound serving for 2025-era clients. Only needed where a feature needs a session: the
// standalone GET stream that carries tools/list_changed to old clients. Sessions are capped,
// swept when idle and ended by DELETE. A session id is only a routing key, never authentication:
// each session is bound to the principal that opened it (identity fills that in).
import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport, type Server, type AuthInfo } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';

interface LegacySession {
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  principalKey: string;
  lastSeen: number;
}

export interface LegacySessionOptions {
  max: number;
  idleTimeoutMs: number;
  maxRequestBytes: number;
  logger: Logger;
  buildServer: () => Server;
  onCountChanged?: (count: number) => void;
  onPrincipalMismatch?: (authInfo: AuthInfo | undefined) => void;
}

function jsonRpcError(status: number, code: number, message: string): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

export class LegacySessionRegistry {
  private readonly sessions = new Map<string, LegacySession>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: LegacySessionOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(options.idleTimeoutMs / 4, 30_000));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /**
   * True if the session exists and belongs to this principal (and marks it used). The direct
   * tools/call path asks this; on false it leaves the request to `handle`, which answers 404.
   */
  touch(sessionId: string, principalKey: string): boolean {
    const session = this.sessions.get(sessionId);
    if (!session || session.principalKey !== principalKey) return false;
    session.lastSeen = Date.now();
    return true;
  }

  async handle(request: Request, authInfo: AuthInfo | undefined, principalKey: string): Promise<Response> {
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
      const session = this.sessions.get(sessionId);
      if (!session) return jsonRpcError(404, -32001, 'Session not found: initialize a new session.');
      if (session.principalKey !== principalKey) {
        // Same answer as an unknown id: a stolen session id reveals nothing and grants nothing.
        this.options.logger.warn(
          { event: 'session-principal-mismatch' },
          'MCP session id presented by another principal',
        );
        this.options.onPrincipalMismatch?.(authInfo);
        return jsonRpcError(404, -32001, 'Session not found: initialize a new session.');
      }
      session.lastSeen = Date.now();
      return session.transport.handleRequest(request, authInfo ? { authInfo } : undefined);
    }
    if (request.method !== 'POST') return jsonRpcError(400, -32000, 'Bad request: Mcp-Session-Id header is required.');
    if (this.sessions.size >= this.options.max) {
      this.sweep();
      if (this.sessions.size >= this.options.max) {
        return jsonRpcError(503, -32000, `Too many open MCP sessions (limit ${this.options.max}); retry later.`);
      }
    }
    return this.open(request, authInfo, principalKey);
  }

  private async open(request: Request, authInfo: AuthInfo | undefined, principalKey: string): Promise<Response> {
    const server = this.options.buildServer();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      maxRequestBodySize: this.options.maxRequestBytes,
      onsessioninitialized: (id) => {
        this.sessions.set(id, { transport, server, principalKey, lastSeen: Date.now() });
        this.options.onCountChanged?.(this.sessions.size);
      },
      onsessionclosed: (id) => this.forget(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) this.forget(transport.sessionId);
    };
    await server.connect(transport);
    return transport.handleRequest(request, authInfo ? { authInfo } : undefined);
  }

  private forget(id: string): void {
    if (this.sessions.delete(id)) this.options.onCountChanged?.(this.sessions.size);
  }

  /** Tells every open legacy session that the tool list changed (delivered on its GET stream). */
  notifyToolsChanged(): void {
    for (const session of this.sessions.values()) {
      session.server.sendToolListChanged().catch(() => undefined);
    }
  }

  /**
   * The agent session behind `principalKey` was cut off (OpenStreams). Its GET streams were
   * destroyed; the transport is told too, or it would refuse a new stream (409) until its next
   * keepalive. Paused sessions keep their MCP sessions for when they resume; revoked or expired
   * ones can never be used again, so theirs are ended and stop counting against the cap.
   */
  cutOff(principalKey: string, terminal: boolean): void {
    for (const [id, session] of this.sessions) {
      if (session.principalKey !== principalKey) continue;
      if (terminal) {
        this.forget(id);
        void session.transport.close().catch(() => undefined);
      } else {
        session.transport.closeStandaloneSSEStream();
      }
    }
  }

  sweep(now = Date.now()): void {
    for (const [id, session] of this.sessions) {
      if (now - session.lastSeen > this.options.idleTimeoutMs) {
        this.forget(id);
        void session.transport.close().catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map((session) => session.transport.close().catch(() => undefined)));
  }
}
