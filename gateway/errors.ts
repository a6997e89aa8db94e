// Typed errors for everything a tool call can run into. Each carries a stable code (for audit,
// metrics and the agent's `_meta`) and a message written for the model that will read it:
// what happened, and what would make the call succeed.

export type GatewayErrorCode =
  | 'UNKNOWN_TOOL'
  | 'TOOL_BLOCKED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_ERROR'
  | 'ARGUMENTS_TOO_LARGE'
  | 'ARGUMENTS_TOO_DEEP'
  | 'ARGUMENTS_INVALID'
  | 'AUDIT_UNAVAILABLE'
  | 'CALL_CANCELLED'
  | 'TOOL_NOT_CONSENTED'
  | 'TOOL_DEFINITION_CHANGED'
  | 'SERVER_INSTRUCTIONS_CHANGED';

export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnknownToolError extends GatewayError {
  constructor(readonly tool: string) {
    super(
      'UNKNOWN_TOOL',
      `Unknown tool '${tool}'. Tools are named 'upstream.tool'; call tools/list to see the tools available to you.`,
      { tool },
    );
  }
}

export class ToolBlockedError extends GatewayError {
  constructor(
    readonly tool: string,
    readonly reason: string,
  ) {
    super('TOOL_BLOCKED', `Tool '${tool}' is blocked by the gateway: ${reason}`, { tool, reason });
  }
}

export class UpstreamUnavailableError extends GatewayError {
  constructor(
    readonly upstream: string,
    cause: string,
  ) {
    super(
      'UPSTREAM_UNAVAILABLE',
      `Upstream '${upstream}' is unavailable (${cause}). Nothing was run. The gateway reconnects on its own; retry in a few seconds.`,
      { upstream, cause },
    );
  }
}

export class UpstreamTimeoutError extends GatewayError {
  constructor(
    readonly upstream: string,
    readonly tool: string,
    readonly timeoutMs: number,
  ) {
    super(
      'UPSTREAM_TIMEOUT',
      `Upstream '${upstream}' did not answer '${tool}' within ${timeoutMs} ms. The call was cancelled upstream; it may or may not have taken effect, so check before retrying a write.`,
      { upstream, tool, timeoutMs },
    );
  }
}

export class UpstreamCallError extends GatewayError {
  constructor(
    readonly upstream: string,
    readonly tool: string,
    cause: string,
  ) {
    super('UPSTREAM_ERROR', `Upstream '${upstream}' failed '${tool}': ${cause}`, { upstream, tool, cause });
  }
}

export class ArgumentsTooLargeError extends GatewayError {
  constructor(
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      'ARGUMENTS_TOO_LARGE',
      `Tool arguments are ${sizeBytes} bytes; the gateway accepts at most ${limitBytes}. Send less data per call (e.g. page or summarise it).`,
      { sizeBytes, limitBytes },
    );
  }
}

export class ArgumentsTooDeepError extends GatewayError {
  constructor(readonly limitDepth: number) {
    super(
      'ARGUMENTS_TOO_DEEP',
      `Tool arguments nest deeper than ${limitDepth} levels; flatten the structure and retry.`,
      { limitDepth },
    );
  }
}

export class ArgumentsInvalidError extends GatewayError {
  constructor(reason: string) {
    super('ARGUMENTS_INVALID', `Tool arguments are invalid: ${reason}`, { reason });
  }
}

export class AuditUnavailableError extends GatewayError {
  constructor(cause: string) {
    super(
      'AUDIT_UNAVAILABLE',
      `The audit store is unavailable (${cause}), so the gateway refused the call: nothing is run without its audit record. Retry later; operators can check /healthz.`,
      { cause },
    );
  }
}

export class CallCancelledError extends GatewayError {
  constructor(readonly tool: string) {
    super('CALL_CANCELLED', `The call to '${tool}' was cancelled by the client.`, { tool });
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
