// The gateway's tool catalog: every upstream's tools under `upstream.tool`, each with the hash of
// its canonical definition. Rebuilt only when an upstream's list changes, so tools/list and the
// call path read a prepared map instead of doing work per request.
import type { Tool } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import { canonicalHash } from './canonicalJson.ts';

export const NAMESPACE_SEPARATOR = '.';

export interface CatalogEntry {
  /** What agents call: `upstream.tool`. */
  name: string;
  upstream: string;
  upstreamTool: string;
  /** The definition agents see (namespaced name, upstream's schema and annotations). */
  definition: Tool;
  /** Hash of the upstream's canonical definition; consent pins this. */
  definitionHash: string;
  blockedReason: string | null;
}

export function toolDefinitionHash(tool: Tool): string {
  return canonicalHash({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: tool.inputSchema,
    outputSchema: tool.outputSchema,
    annotations: tool.annotations,
  });
}

export class ToolCatalog {
  private entries = new Map<string, CatalogEntry>();
  private listed: Tool[] = [];
  private version = 0;

  constructor(private readonly logger: Logger) {}

  get revision(): number {
    return this.version;
  }

  /** Rebuilds from every upstream's current list. Returns true if what agents see changed. */
  rebuild(toolsByUpstream: ReadonlyMap<string, readonly Tool[]>): boolean {
    const next = new Map<string, CatalogEntry>();
    const upstreamsByBareName = new Map<string, string[]>();
    for (const [upstream, tools] of toolsByUpstream) {
      for (const tool of tools) {
        upstreamsByBareName.set(tool.name, [...(upstreamsByBareName.get(tool.name) ?? []), upstream]);
      }
    }
    for (const [upstream, tools] of toolsByUpstream) {
      for (const tool of tools) {
        const name = `${upstream}${NAMESPACE_SEPARATOR}${tool.name}`;
        const existing = next.get(name);
        if (existing) {
          existing.blockedReason = `upstream '${upstream}' lists '${tool.name}' more than once`;
          this.logger.warn({ tool: name, upstream, reason: existing.blockedReason }, 'tool blocked');
          continue;
        }
        const exporters = [...new Set(upstreamsByBareName.get(tool.name) ?? [])];
        // Tool shadowing defence: a second server exporting a trusted tool's name is how an agent
        // gets steered to the wrong server. Neither is served until an operator resolves it.
        const blockedReason =
          exporters.length > 1
            ? `tool name '${tool.name}' is exported by several upstreams (${exporters.join(', ')}); rename or remove one`
            : null;
        if (blockedReason) this.logger.warn({ tool: name, upstream, reason: blockedReason }, 'tool blocked');
        next.set(name, {
          name,
          upstream,
          upstreamTool: tool.name,
          definition: { ...tool, name },
          definitionHash: toolDefinitionHash(tool),
          blockedReason,
        });
      }
    }
    const nextListed = [...next.values()]
      .filter((entry) => !entry.blockedReason)
      .map((entry) => ({
        ...entry.definition,
        _meta: {
          ...entry.definition._meta,
          'countersign/upstream': entry.upstream,
          'countersign/definitionHash': entry.definitionHash,
        },
      }));
    const changed = JSON.stringify(nextListed) !== JSON.stringify(this.listed);
    this.entries = next;
    this.listed = nextListed;
    if (changed) this.version++;
    return changed;
  }

  get(name: string): CatalogEntry | undefined {
    return this.entries.get(name);
  }

  /** The tools agents see, prepared once per change. */
  list(): Tool[] {
    return this.listed;
  }

  all(): CatalogEntry[] {
    return [...this.entries.values()];
  }
}
