// Adapts the Cedar policy engine to the call pipeline: builds the policy input from the verified
// caller, the consent and the pinned tool, and returns the engine's verdict unchanged.
import type { PolicyEngine } from '../policy/policyEngine.ts';
import type { CallDecider, CallDecision, DecisionInput } from './decision.ts';

export class CedarCallDecider implements CallDecider {
  constructor(private readonly engine: PolicyEngine) {}

  decide(input: DecisionInput): CallDecision {
    const { consent, pinned } = input;
    const verdict = this.engine.decideCall({
      human: { id: consent.human, groups: consent.humanGroups },
      agent: consent.agent,
      session: input.principal.session ?? '',
      tool: {
        name: pinned.name,
        upstream: pinned.upstream,
        tier: pinned.tier,
        annotations: pinned.definition.annotations ?? {},
      },
      consent: {
        id: consent._id,
        toolPatterns: consent.toolPatterns,
        maxTier: consent.maxTier,
        // Only tools matching the consent's patterns are pinned, so a pinned tool is covered.
        coversTool: true,
        reason: consent.reason,
        ...(consent.ticket ? { ticket: consent.ticket } : {}),
      },
      now: input.now,
      argumentSummary: { keys: Object.keys(input.arguments), sizeBytes: input.argumentsSizeBytes },
    });
    return { ...verdict, tier: pinned.tier };
  }
}
