// The seam where identity, consent, tiers and Cedar policy plug in. The pipeline asks a
// CallDecider for a verdict and records whatever it answers; the foundation ships a decider that
// allows everything the catalog serves, named as such in every audit record.
import type { CatalogEntry } from '../catalog.ts';

export type Tier = 'read' | 'write' | 'destructive';

export interface Principal {
  session: string | null;
  human: string | null;
  agent: string | null;
  consentId: string | null;
}

export const ANONYMOUS: Principal = Object.freeze({ session: null, human: null, agent: null, consentId: null });

export interface DecisionInput {
  principal: Principal;
  tool: CatalogEntry;
  arguments: Record<string, unknown>;
  argumentsHash: string;
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

/** Pass-through: no identity or policy layer configured yet. Recorded as such, never silently. */
export const passThroughDecider: CallDecider = {
  decide: () => ({
    decision: 'allow',
    reason: 'pass-through: no policy layer configured',
    tier: null,
    policyIds: [],
    policySetHash: null,
  }),
};
