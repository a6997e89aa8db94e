// Serves qualifying `tools/call` requests straight from node:http into the call pipeline (see
// fastToolCall.ts for what qualifies). Everything else on /mcp still goes through the SDK.
// The benchmarks put the SDK's server side at 0.5–0.75 ms of CPU per call (web Request/Response
// conversion, per-request Server, three zod passes); this path is a JSON.parse and a write.
//
// It also owns cancellation for the calls it serves: a dropped connection aborts the call, and
// a 2025-era client's `notifications/cancelled` (a separate POST) is matched to its request here,
// since the SDK's session never saw that request.
import type http from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { UnknownToolError, errorMessage } from '../errors.ts';
import { CallCancellation } from '../pipeline/callCancellation.ts';
import type { CallPipeline } from '../pipeline/callPipeline.ts';
import { GATEWAY_INFO } from './agentFacingServer.ts';
import { cancelledRequestId, classifyFastToolCall, isJsonContentType, type FastToolCall } from './fastToolCall.ts';
import type { LegacySessionRegistry } from './legacySessions.ts';
import type { RequestIdentity } from './mcpEndpoint.ts';
import { ToolCallResponse } from './toolCallResponse.ts';

const INVALID_PARAMS = -32602;
const INTERNAL_ERROR = -32603;
const SERVER_INFO_KEY = 'io.modelcontextprotocol/serverInfo';

export interface DirectToolCallsOptions {
  pipeline: CallPipeline;
  logger: Logger;
  legacySessions: LegacySessionRegistry | null;
}

export class DirectToolCalls {
  /** In-flight calls by principal, transport session and JSON-RPC id, for `notifications/cancelled`. */
  private readonly inFlight = new Map<string, CallCancellation>();

  constructor(private readonly options: DirectToolCallsOptions) {}

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Answers the request and returns true, or returns false (nothing written) for the SDK to serve. */
  tryServe(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: unknown,
    identity: RequestIdentity,
    principalKey: string,
  ): boolean {
    if (!isJsonContentType(req.headers['content-type'])) return false;
    const sessionHeader = req.headers['mcp-session-id'];
    const sessionId = typeof sessionHeader === 'string' ? sessionHeader.trim() : null;
    const cancelled = cancelledRequestId(body);
    if (cancelled !== null) return this.cancel(res, principalKey, sessionId, cancelled);
    const call = classifyFastToolCall(req.headers, body);
    if (!call) return false;
    // Unknown or foreign session ids go to the SDK path, which answers 404 and audits the attempt.
    if (call.mcpSessionId !== null && !this.options.legacySessions?.touch(call.mcpSessionId, principalKey)) {
      return false;
    }
    this.serve(res, call, identity, inFlightKey(principalKey, call.mcpSessionId, call.id));
    return true;
  }

  private cancel(
    res: http.ServerResponse,
    principalKey: string,
    sessionId: string | null,
    requestId: string | number,
  ): boolean {
    const controller = this.inFlight.get(inFlightKey(principalKey, sessionId, requestId));
    if (!controller) return false; // not ours: the SDK session may be serving that request
    controller.abort(new Error('cancelled by the client (notifications/cancelled)'));
    res.writeHead(202).end();
    return true;
  }

  private serve(res: http.ServerResponse, call: FastToolCall, identity: RequestIdentity, key: string): void {
    const controller = new CallCancellation();
    const response = new ToolCallResponse(res, call.era === 'legacy');
    // 'close' also fires after a normal end; only a close before the answer is a cancellation.
    res.on('close', () => {
      if (response.completed) return;
      response.abandon();
      controller.abort(new Error('the client closed the connection'));
    });
    // Stateless clients may reuse ids: the first holder of a key keeps it until it finishes.
    const registered = !this.inFlight.has(key);
    if (registered) this.inFlight.set(key, controller);
    response.begin();
    const { progressToken } = call;
    const parentLogger = this.options.logger;
    let logger: Logger | undefined;
    this.options.pipeline
      .handle({
        name: call.name,
        arguments: call.arguments,
        principal: identity.principal,
        consent: identity.consent,
        protocolVersion: call.protocolVersion,
        signal: controller,
        // Most calls log nothing: the child logger is made on first use.
        get logger() {
          return (logger ??= parentLogger.child({ requestId: identity.requestId, mcpRequestId: call.id }));
        },
        ...(progressToken !== undefined
          ? {
              sendProgress: (progress) => {
                response.notify({
                  jsonrpc: '2.0',
                  method: 'notifications/progress',
                  params: { progressToken, ...progress },
                });
                return Promise.resolve();
              },
            }
          : {}),
      })
      .then(
        (result) => {
          // A cancelled request gets no response (MCP: the receiver SHOULD NOT answer it).
          if (controller.aborted) response.close();
          else response.end({ jsonrpc: '2.0', id: call.id, result: encodeResult(result, call.era) });
        },
        (error: unknown) => response.end({ jsonrpc: '2.0', id: call.id, error: toJsonRpcError(error) }),
      )
      .finally(() => {
        if (registered) this.inFlight.delete(key);
      });
  }
}

function inFlightKey(principalKey: string, sessionId: string | null, id: string | number): string {
  return `${principalKey}|${sessionId ?? ''}|${typeof id}:${id}`;
}

/** What the SDK's encoder adds on each revision: 2026-07-28 results carry resultType and serverInfo. */
function encodeResult(result: CallToolResult, era: FastToolCall['era']): Record<string, unknown> {
  const content = Array.isArray(result.content) ? result.content : [];
  if (era === 'legacy') return { ...result, content };
  const meta = result._meta ?? {};
  return {
    ...result,
    content,
    resultType: 'complete',
    _meta: SERVER_INFO_KEY in meta ? meta : { ...meta, [SERVER_INFO_KEY]: GATEWAY_INFO },
  };
}

function toJsonRpcError(error: unknown): { code: number; message: string; data?: unknown } {
  if (error instanceof UnknownToolError) {
    return { code: INVALID_PARAMS, message: error.message, data: { code: error.code, tool: error.tool } };
  }
  return { code: INTERNAL_ERROR, message: errorMessage(error) };
}
