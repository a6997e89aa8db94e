// Wires a tool catalog onto a low-level `Server`: `tools/list` and `tools/call`, with progress and cancellation
// taken from the handler context. This is the whole per-instance cost, so factories that run per request stay cheap.
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { Server, ServerContext, Tool } from '@modelcontextprotocol/server';
import type { DefinedTool, ToolRunContext } from './tool-kit.ts';

export interface ToolCatalog {
  list(): Tool[];
  find(name: string): DefinedTool | undefined;
}

/** A catalog over a fixed array of tools. */
export function staticCatalog(tools: readonly DefinedTool[]): ToolCatalog {
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const listed = tools.map((tool) => tool.describe());
  return { list: () => listed, find: (name) => byName.get(name) };
}

export function serveTools(server: Server, catalog: ToolCatalog): void {
  server.setRequestHandler('tools/list', () => ({ tools: catalog.list() }));
  server.setRequestHandler('tools/call', async (request, ctx) => {
    const tool = catalog.find(request.params.name);
    if (!tool) {
      // An unknown tool is a protocol error (-32602), not a tool result, per the spec.
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    }
    return tool.invoke(request.params.arguments, runContext(ctx));
  });
}

function runContext(ctx: ServerContext): ToolRunContext {
  // The client opts into progress by sending a token in `_meta`; without one, progress must not be sent.
  const progressToken = ctx.mcpReq._meta?.progressToken;
  return {
    signal: ctx.mcpReq.signal,
    async progress(progress, total, message) {
      if (progressToken === undefined || ctx.mcpReq.signal.aborted) return;
      // `notify` relates the notification to this request: over 2026-07-28 HTTP that is what puts it on the
      // request's own response stream (upgrading the response to SSE).
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress, ...(total === undefined ? {} : { total }), ...(message ? { message } : {}) },
      });
    },
  };
}
