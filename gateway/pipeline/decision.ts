// The seam where policy decides. The pipeline has already established who is calling (verified
// token, live session and consent) and which pinned tool is meant; a CallDecider turns that into
// allow / needs-approval / deny with the policies that decided, and the pipeline records it.
import type { CatalogEntry } from '../catalog.ts';
import type { ConsentRecord, PinnedTool } from '../consent/records.ts';
import type { Tier } from '../tiers.ts';

export type { Tier };

export interface Principal {
  session: string | null;
  human: string | null;
  agent: string | null;
  consentId: string | null;
}

export const ANONYMOUS: Principal = Object.freeze({ session: null, human: null, agent: null, consentId: null });

export interface DecisionInput {
  principal: Principal;
  consent: ConsentRecord;
  pinned: PinnedTool;
  tool: CatalogEntry;
  arguments: Record<string, unknown>;
  argumentsSizeBytes: number;
  argumentsHash: string;
  now: Date;
}

export interface CallDecision {
  decision: 'allow' | 'deny' | 'needs-approval';
  reason: string;
  tier: Tier | null;
  policyIds: string[];
  policySetHash: string | null;
}

export interface CallDecider {
  decide(input: DecisionInput): CallDecision;
}
