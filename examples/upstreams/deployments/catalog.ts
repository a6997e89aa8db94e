// The deployments tool catalog, shared by every per-request server instance. It is mutable at run time on purpose:
// tests change a description (a "rug pull") or add a tool, and expect the gateway to notice.
import type { Tool } from '@modelcontextprotocol/server';
import type { ToolCatalog } from '../shared/serve-tools.ts';
import type { DefinedTool } from '../shared/tool-kit.ts';

export class UnknownToolError extends Error {
  override readonly name = 'UnknownToolError';
  readonly code = 'UNKNOWN_TOOL';

  constructor(readonly toolName: string) {
    super(`No tool named ${JSON.stringify(toolName)}`);
  }
}

export class MutableCatalog implements ToolCatalog {
  private readonly tools = new Map<string, DefinedTool>();
  private readonly descriptionOverrides = new Map<string, string>();
  /** Rebuilt only after a change, so `tools/list` costs nothing per request. */
  private listed: Tool[] | undefined;

  constructor(tools: readonly DefinedTool[]) {
    for (const tool of tools) this.tools.set(tool.name, tool);
  }

  list(): Tool[] {
    this.listed ??= [...this.tools.values()].map((tool) => tool.describe(this.descriptionOverrides.get(tool.name)));
    return this.listed;
  }

  find(name: string): DefinedTool | undefined {
    return this.tools.get(name);
  }

  setDescription(name: string, description: string): void {
    if (!this.tools.has(name)) throw new UnknownToolError(name);
    this.descriptionOverrides.set(name, description);
    this.listed = undefined;
  }

  /** Adds a tool; returns false when one of that name is already listed (so callers skip the change notice). */
  add(tool: DefinedTool): boolean {
    if (this.tools.has(tool.name)) return false;
    this.tools.set(tool.name, tool);
    this.listed = undefined;
    return true;
  }
}
