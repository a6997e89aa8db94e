// Builds the MCP `Server` agents talk to. `createMcpHandler` calls the factory once per modern
// request (and per stateless legacy request), so this must stay cheap: the catalog is prepared
// elsewhere and shared; here we only register two handlers that read it.
import { ProtocolError, Server, type AuthInfo, type ServerContext } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { UnknownToolError } from '../errors.ts';
import type { CallPipeline } from '../pipeline/callPipeline.ts';
import type { Principal } from '../pipeline/decision.ts';
import type { ConsentToolLists } from '../consent/consentToolList.ts';
import type { ConsentRecord } from '../consent/records.ts';

export const GATEWAY_INFO = { name: 'countersign', version: '0.1.0' };
const INVALID_PARAMS = -32602;
const PROTOCOL_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';

export interface AgentFacingServerDeps {
  toolLists: ConsentToolLists;
  pipeline: CallPipeline;
  logger: Logger;
}

export interface RequestScope {
  principal: Principal;
  /** Null only for an instance built before any authenticated request reached it. */
  consent: ConsentRecord | null;
  requestId: string;
  /** The MCP-Protocol-Version header of the HTTP request, when sent (legacy requests carry no envelope). */
  protocolVersionHeader: string | null;
}

export const SCOPE_KEY = 'countersign/scope';

/** The scope the HTTP layer attached to this request, if any. */
export function scopeFromAuthInfo(authInfo: AuthInfo | undefined): RequestScope | undefined {
  return authInfo?.extra?.[SCOPE_KEY] as RequestScope | undefined;
}

/**
 * `fallbackScope` is the scope of the request that created the instance. Session-bound instances
 * outlive that request, so each call reads its own request's scope first.
 */
export function buildAgentFacingServer(deps: AgentFacingServerDeps, fallbackScope: RequestScope): Server {
  const server = new Server(GATEWAY_INFO, {
    capabilities: { tools: { listChanged: true } },
    instructions:
      'Countersign gateway: tools are named upstream.tool. Calls are audited; some may be denied or need human approval, and the result says why.',
  });
  server.setRequestHandler('tools/list', (_request, ctx: ServerContext) => {
    const scope = scopeFromAuthInfo(ctx.http?.authInfo) ?? fallbackScope;
    return { tools: scope.consent ? deps.toolLists.toolsFor(scope.consent) : [] };
  });
  server.setRequestHandler('tools/call', async (request, ctx: ServerContext) => {
    const scope = scopeFromAuthInfo(ctx.http?.authInfo) ?? fallbackScope;
    if (!scope.consent) throw new ProtocolError(INVALID_PARAMS, 'No consent is attached to this request.');
    const consent = scope.consent;
    const progressToken = ctx.mcpReq._meta?.progressToken;
    const envelopeVersion = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[PROTOCOL_VERSION_KEY];
    try {
      return await deps.pipeline.handle({
        name: request.params.name,
        arguments: request.params.arguments,
        principal: scope.principal,
        consent,
        protocolVersion: typeof envelopeVersion === 'string' ? envelopeVersion : scope.protocolVersionHeader,
        signal: ctx.mcpReq.signal,
        logger: deps.logger.child({ requestId: scope.requestId, mcpRequestId: ctx.mcpReq.id }),
        ...(progressToken !== undefined
          ? {
              sendProgress: (progress) =>
                ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, ...progress } }),
            }
          : {}),
      });
    } catch (error) {
      if (error instanceof UnknownToolError)
        throw new ProtocolError(INVALID_PARAMS, error.message, { code: error.code, tool: error.tool });
      throw error;
    }
  });
  return server;
}
