// Trust tiers: read (passes), write (policy decides), destructive (always approval). Config patterns
// set a tool's tier; the tool's own MCP annotations may raise it (a tool that says it is destructive
// is treated as such) but never lower it: annotations come from the upstream, which we do not trust
// to downgrade itself. A tool no rule matches is `write`.
import type { Tool } from '@modelcontextprotocol/client';

export type Tier = 'read' | 'write' | 'destructive';
export const TIER_RANK: Record<Tier, number> = { read: 0, write: 1, destructive: 2 };

export interface TierRule {
  upstream: string;
  tool: string;
  tier: Tier;
}

/** Glob with `*` only (matches any run of characters); compiled once. */
export function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

export class TierClassifier {
  private readonly rules: Array<{ upstream: RegExp; tool: RegExp; tier: Tier }>;

  constructor(rules: readonly TierRule[]) {
    this.rules = rules.map((rule) => ({
      upstream: globToRegExp(rule.upstream),
      tool: globToRegExp(rule.tool),
      tier: rule.tier,
    }));
  }

  classify(upstream: string, tool: Pick<Tool, 'name' | 'annotations'>): Tier {
    const configured =
      this.rules.find((rule) => rule.upstream.test(upstream) && rule.tool.test(tool.name))?.tier ?? 'write';
    return maxTier(configured, annotationFloor(tool.annotations));
  }
}

/** The lowest tier a tool's own annotations allow us to assign. */
function annotationFloor(annotations: Tool['annotations']): Tier {
  if (annotations?.destructiveHint === true && annotations.readOnlyHint !== true) return 'destructive';
  return 'read';
}

export function maxTier(a: Tier, b: Tier): Tier {
  return TIER_RANK[a] >= TIER_RANK[b] ? a : b;
}
