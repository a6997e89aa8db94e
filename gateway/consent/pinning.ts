// Tool pinning, the rug-pull defence. At consent time each covered tool's canonical definition and
// each involved server's instructions are hashed and stored. Afterwards agents are served the pinned
// definitions; a tool whose live definition differs is blocked until re-consented, a tool added later
// is invisible, and changed server instructions block that whole server.
import type { Tool } from '@modelcontextprotocol/client';
import { canonicalJson } from '../canonicalJson.ts';
import type { CatalogEntry } from '../catalog.ts';
import { globToRegExp, type TierClassifier } from '../tiers.ts';
import type { UpstreamState } from '../upstreams/upstreamConnection.ts';
import type { ConsentRecord, PinnedServer, PinnedTool } from './records.ts';

export function matchesAny(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) => globToRegExp(pattern).test(name));
}

/** The tools (and their servers) a new consent covers, as they are right now. */
export function pinForConsent(
  entries: readonly CatalogEntry[],
  upstreams: readonly UpstreamState[],
  patterns: readonly string[],
  tiers: TierClassifier,
): { pinnedTools: PinnedTool[]; pinnedServers: PinnedServer[] } {
  const pinnedTools = entries
    .filter((entry) => !entry.blockedReason && matchesAny(patterns, entry.name))
    .map((entry) => {
      const definition: Tool = { ...entry.definition, name: entry.upstreamTool };
      return {
        name: entry.name,
        upstream: entry.upstream,
        upstreamTool: entry.upstreamTool,
        definitionHash: entry.definitionHash,
        definition,
        tier: tiers.classify(entry.upstream, definition),
      };
    });
  const involved = new Set(pinnedTools.map((tool) => tool.upstream));
  const pinnedServers = upstreams
    .filter((upstream) => involved.has(upstream.name))
    .map((upstream) => ({ upstream: upstream.name, instructionsHash: upstream.instructionsHash }));
  return { pinnedTools, pinnedServers };
}

const DEFINITION_FIELDS = ['title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;

/** Names what changed between the pinned and the live definition, for the error the agent reads. */
export function describeDefinitionChange(pinned: Tool, live: Tool): string {
  const changed = DEFINITION_FIELDS.filter((field) => canonicalJson(pinned[field]) !== canonicalJson(live[field]));
  return changed.length > 0 ? changed.join(', ') : 'definition';
}

export type PinCheck =
  | { ok: true; pinned: PinnedTool }
  | {
      ok: false;
      code: 'TOOL_NOT_CONSENTED' | 'TOOL_DEFINITION_CHANGED' | 'SERVER_INSTRUCTIONS_CHANGED';
      message: string;
    };

/** Compares one pinned tool with the live catalog. */
export function checkPinned(
  consent: ConsentRecord,
  toolName: string,
  live: CatalogEntry | undefined,
  liveInstructions: ReadonlyMap<string, string>,
): PinCheck {
  const pinned = consent.pinnedTools.find((tool) => tool.name === toolName);
  if (!pinned) {
    return {
      ok: false,
      code: 'TOOL_NOT_CONSENTED',
      message: `Tool '${toolName}' is not covered by this session's consent (${consent.toolPatterns.join(', ')}). Ask the human to grant consent for it.`,
    };
  }
  const server = consent.pinnedServers.find((entry) => entry.upstream === pinned.upstream);
  const current = liveInstructions.get(pinned.upstream);
  if (server && current !== undefined && server.instructionsHash !== current) {
    return {
      ok: false,
      code: 'SERVER_INSTRUCTIONS_CHANGED',
      message: `Upstream '${pinned.upstream}' changed its server instructions since consent was given, so all of its tools are blocked until the human re-consents.`,
    };
  }
  if (live && live.definitionHash !== pinned.definitionHash) {
    const what = describeDefinitionChange(pinned.definition, { ...live.definition, name: live.upstreamTool });
    return {
      ok: false,
      code: 'TOOL_DEFINITION_CHANGED',
      message: `Tool '${toolName}' was blocked: its ${what} changed since the human consented to it (possible rug pull). It stays blocked until the human re-consents.`,
    };
  }
  return { ok: true, pinned };
}
