// `/mcp`: one endpoint for both MCP protocol revisions. 2026-07-28 requests (and, by default,
// stateless 2025-era requests) go through the SDK's createMcpHandler; 2025-era clients that open a
// session with `initialize` get a session-bound transport when legacy sessions are enabled.
import {
  createMcpHandler,
  isLegacyRequest,
  legacyStatelessFallback,
  type AuthInfo,
  type McpHttpHandler,
  type Server,
  type LegacyHttpHandler,
} from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { ConsentToolLists } from '../consent/consentToolList.ts';
import type { ConsentRecord } from '../consent/records.ts';
import type { CallPipeline } from '../pipeline/callPipeline.ts';
import { ANONYMOUS, type Principal } from '../pipeline/decision.ts';
import { SCOPE_KEY, buildAgentFacingServer, scopeFromAuthInfo, type RequestScope } from './agentFacingServer.ts';
import { DirectToolCalls } from './directToolCalls.ts';
import { LegacySessionRegistry } from './legacySessions.ts';

export interface McpEndpointOptions {
  toolLists: ConsentToolLists;
  pipeline: CallPipeline;
  logger: Logger;
  maxRequestBytes: number;
  legacySessions: { enabled: boolean; max: number; idleTimeoutMs: number };
  onSessionCountChanged?: (count: number) => void;
  /** A legacy MCP session id presented by a principal other than the one that opened it. */
  onSessionHijackAttempt?: (scope: RequestScope) => void;
}

/** What the HTTP layer attaches to each request: who is calling (identity fills this in) and a request id. */
export interface RequestIdentity {
  principal: Principal;
  consent: ConsentRecord;
  requestId: string;
}

export function authInfoFor(identity: RequestIdentity, protocolVersionHeader: string | null): AuthInfo {
  const scope: RequestScope = { ...identity, protocolVersionHeader };
  return { token: '', clientId: identity.principal.agent ?? 'anonymous', scopes: [], extra: { [SCOPE_KEY]: scope } };
}

function scopeFrom(authInfo: AuthInfo | undefined): RequestScope {
  return (
    scopeFromAuthInfo(authInfo) ?? {
      principal: ANONYMOUS,
      consent: null,
      requestId: 'unknown',
      protocolVersionHeader: null,
    }
  );
}

export class McpEndpoint {
  private readonly modern: McpHttpHandler;
  private readonly legacyStateless: LegacyHttpHandler;
  private readonly sessions: LegacySessionRegistry | null;
  /** The hot path: qualifying tools/call requests, served without the SDK (see directToolCalls.ts). */
  readonly direct: DirectToolCalls;

  constructor(private readonly options: McpEndpointOptions) {
    const deps = { toolLists: options.toolLists, pipeline: options.pipeline, logger: options.logger };
    const factory = (ctx: { authInfo?: AuthInfo }): Server => buildAgentFacingServer(deps, scopeFrom(ctx.authInfo));
    const onerror = (error: Error) => options.logger.debug({ err: error.message }, 'mcp handler reported an error');
    this.modern = createMcpHandler(factory, {
      legacy: options.legacySessions.enabled ? 'reject' : 'stateless',
      maxRequestBodySize: options.maxRequestBytes,
      onerror,
    });
    this.legacyStateless = legacyStatelessFallback(factory, onerror, { maxRequestBodySize: options.maxRequestBytes });
    this.sessions = options.legacySessions.enabled
      ? new LegacySessionRegistry({
          ...options.legacySessions,
          maxRequestBytes: options.maxRequestBytes,
          logger: options.logger,
          // Session-bound servers outlive one request: they read the caller from each request's authInfo.
          buildServer: () =>
            buildAgentFacingServer(deps, {
              principal: ANONYMOUS,
              consent: null,
              requestId: 'session',
              protocolVersionHeader: null,
            }),
          ...(options.onSessionCountChanged ? { onCountChanged: options.onSessionCountChanged } : {}),
          ...(options.onSessionHijackAttempt
            ? {
                onPrincipalMismatch: (authInfo: AuthInfo | undefined) =>
                  options.onSessionHijackAttempt!(scopeFrom(authInfo)),
              }
            : {}),
        })
      : null;
    this.direct = new DirectToolCalls({
      pipeline: options.pipeline,
      logger: options.logger,
      legacySessions: this.sessions,
    });
  }

  get legacySessionCount(): number {
    return this.sessions?.size ?? 0;
  }

  /** Fetch-shaped, so `toNodeHandler` can mount it. */
  readonly fetch = async (request: Request, options?: { authInfo?: AuthInfo }): Promise<Response> => {
    const authInfo = options?.authInfo;
    if (!this.sessions) return this.modern.fetch(request, authInfo ? { authInfo } : undefined);
    const route = await this.classify(request);
    if (route === 'modern') return this.modern.fetch(request, authInfo ? { authInfo } : undefined);
    if (route === 'legacy-stateless') return this.legacyStateless(request, authInfo ? { authInfo } : undefined);
    return this.sessions.handle(request, authInfo, principalKey(scopeFrom(authInfo).principal));
  };

  /**
   * Modern requests always announce a 2026-era version in a header, so the hot path never reads the
   * body twice. Other requests are classified by the SDK's own predicate (so we never disagree with
   * createMcpHandler); legacy ones that open or use a session go to the session registry.
   */
  private async classify(request: Request): Promise<'modern' | 'legacy-stateless' | 'legacy-session'> {
    if (request.headers.has('mcp-session-id')) return 'legacy-session';
    const version = request.headers.get('mcp-protocol-version');
    if (version && version >= '2026-') return 'modern';
    if (request.method !== 'POST') return 'legacy-session';
    let body: unknown;
    try {
      body = await request.clone().json();
    } catch {
      return 'modern'; // malformed JSON: the modern leg owns the parse-error answer
    }
    if (!(await isLegacyRequest(request, body, { maxRequestBodySize: this.options.maxRequestBytes }))) return 'modern';
    const isInitialize =
      typeof body === 'object' && body !== null && (body as { method?: unknown }).method === 'initialize';
    return isInitialize ? 'legacy-session' : 'legacy-stateless';
  }

  /** See LegacySessionRegistry.cutOff. */
  cutOff(principal: Principal, terminal: boolean): void {
    this.sessions?.cutOff(principalKey(principal), terminal);
  }

  notifyToolsChanged(): void {
    this.modern.notify.toolsChanged();
    this.sessions?.notifyToolsChanged();
  }

  async close(): Promise<void> {
    await this.sessions?.close();
    await this.modern.close();
  }
}

/** A legacy MCP session belongs to the agent session (token `sid`) that opened it, and to no one else. */
export function principalKey(principal: Principal): string {
  return `${principal.human ?? '-'}|${principal.agent ?? '-'}|${principal.session ?? '-'}`;
}
