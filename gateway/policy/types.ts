// The policy layer's vocabulary: the facts the gateway hands to Cedar for a call or an approval,
// and the verdicts it gets back. Facts are plain data gathered by the call pipeline; the engine
// never looks anything up itself, so a decision is a pure function of (facts, policy set).
export { TIER_RANK, type Tier } from '../tiers.ts';
import type { Tier } from '../tiers.ts';

export interface ToolFacts {
  /** Gateway-qualified tool name, 'upstream.tool'; the Cedar Tool entity's id. */
  name: string;
  upstream: string;
  tier: Tier;
  /**
   * The tool's MCP annotations as the upstream declared them. In Cedar, an absent hint is false,
   * except openWorldHint, which MCP defaults to true.
   */
  annotations: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
}

export interface HumanFacts {
  id: string;
  /** IdP groups; each becomes a Countersign::Group parent of the Human entity. */
  groups: string[];
}

export interface CallPolicyInput {
  human: HumanFacts;
  agent: string;
  session: string;
  tool: ToolFacts;
  consent: { id: string; toolPatterns: string[]; maxTier: Tier; coversTool: boolean; reason: string; ticket?: string };
  now: Date;
  argumentSummary: { keys: string[]; sizeBytes: number };
}

export interface ApprovalPolicyInput {
  approver: HumanFacts;
  requester: HumanFacts;
  agent: string;
  session: string;
  tool: ToolFacts;
  now: Date;
}

export interface PolicyDecision {
  decision: 'allow' | 'needs-approval' | 'deny';
  /** One sentence a model (or a person) can act on: what was decided, why, and by which policies. */
  reason: string;
  /** The policies that determined the final verdict (empty when none did: default deny). */
  policyIds: string[];
  policySetHash: string;
}

export interface ApprovalDecision {
  allowed: boolean;
  reason: string;
  policyIds: string[];
  policySetHash: string;
}
