// The /mcp responses still open, by agent session: SSE streams (a 2025-era session's GET stream,
// a 2026-07-28 `subscriptions/listen`) and calls still running. A request's session is checked when
// it arrives, so without this a stream opened before a revocation or pause would outlive it, and a
// long call's result would still reach a session that was cut off meanwhile. Every `intervalMs`
// the sessions with something open are checked again (from the resolver's cache, which a
// revocation clears within its own poll), and the responses of one that may no longer be used are
// destroyed: the agent sees its stream end, and its reconnect gets the refusal with the reason. A
// destroyed call is cancelled upstream like any call whose agent went away.
import type http from 'node:http';
import type { Logger } from 'pino';
import { SessionError } from '../consent/sessionErrors.ts';
import type { Principal } from '../pipeline/decision.ts';

/** Sessions checked at once when the resolver's cache was cleared and each is a store read. */
const CHECK_CONCURRENCY = 16;

export interface OpenStreamsOptions {
  /** Throws SessionError when the session may not be used (SessionResolver.resolve). */
  check: (sessionId: string) => Promise<unknown>;
  logger: Logger;
  intervalMs?: number;
  onClosed?: (principal: Principal, code: string, responses: number) => void;
}

interface SessionStreams {
  principal: Principal;
  responses: Set<http.ServerResponse>;
}

export class OpenStreams {
  private readonly bySession = new Map<string, SessionStreams>();
  private timer: NodeJS.Timeout | null = null;
  private checking = false;
  private readonly intervalMs: number;

  constructor(private readonly options: OpenStreamsOptions) {
    this.intervalMs = options.intervalMs ?? 250;
  }

  /** Follows `res`, a response to an agent of `sessionId` (`principal.session`), until it closes. */
  track(sessionId: string, principal: Principal, res: http.ServerResponse): void {
    // Closed while it was being authenticated: its 'close' has fired already and would never
    // untrack it (an agent could grow the map by hanging up early).
    if (res.destroyed || res.writableFinished) return;
    let open = this.bySession.get(sessionId);
    if (!open) {
      open = { principal, responses: new Set() };
      this.bySession.set(sessionId, open);
    }
    open.responses.add(res);
    res.once('close', () => this.untrack(sessionId, res));
    if (!this.timer) {
      this.timer = setInterval(() => {
        this.checkAll().catch((error: unknown) =>
          this.options.logger.error({ err: String(error) }, 'checking open MCP streams failed'),
        );
      }, this.intervalMs);
      this.timer.unref();
    }
  }

  /** Responses open now (all sessions). */
  get size(): number {
    let count = 0;
    for (const open of this.bySession.values()) count += open.responses.size;
    return count;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private untrack(sessionId: string, res: http.ServerResponse): void {
    const open = this.bySession.get(sessionId);
    if (!open) return;
    open.responses.delete(res);
    if (open.responses.size === 0) this.bySession.delete(sessionId);
  }

  private async checkAll(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      // A revocation clears the resolver's cache, so each open session is read from the store
      // again: a few at a time, so one slow lookup does not hold up everyone else's cut-off.
      const pending = [...this.bySession.keys()];
      const worker = async (): Promise<void> => {
        for (let sessionId = pending.pop(); sessionId !== undefined; sessionId = pending.pop()) {
          await this.checkOne(sessionId);
        }
      };
      await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, pending.length) }, worker));
    } finally {
      this.checking = false;
      if (this.bySession.size === 0) this.stop();
    }
  }

  private async checkOne(sessionId: string): Promise<void> {
    try {
      await this.options.check(sessionId);
    } catch (error) {
      // Unreachable store: nothing says the session was cut off, and new requests are refused
      // meanwhile anyway; the next check decides. Anything else is a definite "no".
      if (error instanceof SessionError && error.code === 'CONTROL_STORE_UNAVAILABLE') return;
      try {
        this.closeAll(sessionId, error instanceof SessionError ? error.code : 'SESSION_CHECK_FAILED');
      } catch (failure) {
        this.options.logger.error({ session: sessionId, err: String(failure) }, 'closing open MCP streams failed');
      }
    }
  }

  private closeAll(sessionId: string, code: string): void {
    const open = this.bySession.get(sessionId);
    if (!open) return;
    this.bySession.delete(sessionId);
    const responses = open.responses.size;
    for (const res of open.responses) res.destroy();
    this.options.logger.warn(
      { session: sessionId, code, responses },
      'closed the open MCP streams and calls of a session that may no longer be used',
    );
    this.options.onClosed?.(open.principal, code, responses);
  }
}
