// A tiny tool layer for the example upstreams, built on the low-level `Server`.
//
// Why not `McpServer.registerTool`: the deployments server is served by `createMcpHandler`, which calls its factory
// once per HTTP request, so the catalog (JSON Schemas included) must be built once and shared, and its descriptions
// must be mutable at run time for the rug-pull tests. Both example servers use this layer so they look alike.
import * as z from 'zod';
import type { CallToolResult, Tool, ToolAnnotations } from '@modelcontextprotocol/server';
import { ToolError } from './tool-error.ts';

/** What a tool implementation may use while it runs. */
export interface ToolRunContext {
  /** Aborted when the client cancels the request or its connection/stream closes. */
  readonly signal: AbortSignal;
  /** Sends `notifications/progress` when the caller asked for progress; a no-op otherwise. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
}

/** Honest behaviour hints. All four are required so that no tool silently inherits the spec's pessimistic defaults. */
export type ToolHints = Required<
  Pick<ToolAnnotations, 'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint'>
>;

export interface ToolSpec<S extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: S;
  hints: ToolHints;
  /** Returns the structured result; it is sent both as `structuredContent` and as JSON text. */
  run(args: z.output<S>, ctx: ToolRunContext): Promise<Record<string, unknown>>;
}

/** A tool with its generic parameter erased, so tools of different shapes live in one catalog. */
export interface DefinedTool {
  readonly name: string;
  /** The `tools/list` entry; `description` lets a catalog override the built-in text. */
  describe(description?: string): Tool;
  invoke(rawArgs: unknown, ctx: ToolRunContext): Promise<CallToolResult>;
}

export function defineTool<S extends z.ZodObject>(spec: ToolSpec<S>): DefinedTool {
  // Converted once: the JSON Schema is what clients (and the gateway's consent pinning) see.
  // (`io: 'input'` so fields with defaults are optional; `$schema` is dropped as clients do not need it.)
  const { $schema: _ignored, ...inputSchema } = z.toJSONSchema(spec.input, { io: 'input' }) as Record<string, unknown>;
  const annotations: ToolAnnotations = { title: spec.title, ...spec.hints };
  return {
    name: spec.name,
    describe: (description = spec.description) => ({
      name: spec.name,
      title: spec.title,
      description,
      inputSchema: { ...inputSchema, type: 'object' },
      annotations,
    }),
    async invoke(rawArgs, ctx) {
      const parsed = spec.input.safeParse(rawArgs ?? {});
      if (!parsed.success) {
        return errorResult(new ToolError('INVALID_ARGUMENTS', z.prettifyError(parsed.error)));
      }
      try {
        return okResult(await spec.run(parsed.data, ctx));
      } catch (error) {
        // Domain errors become tool results the model can read and act on; anything else is a bug and
        // propagates as a JSON-RPC error so it is not mistaken for a normal outcome.
        if (error instanceof ToolError) return errorResult(error);
        throw error;
      }
    },
  };
}

function okResult(data: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
}

function errorResult(error: ToolError): CallToolResult {
  const data = { error: { code: error.code, message: error.message } };
  return {
    content: [{ type: 'text', text: `${error.code}: ${error.message}` }],
    structuredContent: data,
    isError: true,
  };
}
