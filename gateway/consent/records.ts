// Consent and agent-session records as stored in MongoDB. A consent says which tools an agent may
// use for a human, up to which tier without approval, for how long and why; it pins each covered
// tool's definition (and each server's instructions) as they were when the human agreed.
import type { Tool } from '@modelcontextprotocol/client';
import type { Tier } from '../tiers.ts';

export interface PinnedTool {
  /** Namespaced name, e.g. `incidents.close_incident`. */
  name: string;
  upstream: string;
  upstreamTool: string;
  definitionHash: string;
  /** The definition agents are served for the life of the consent (upstream's name, not namespaced). */
  definition: Tool;
  tier: Tier;
}

export interface PinnedServer {
  upstream: string;
  instructionsHash: string;
}

export interface ConsentRecord {
  _id: string;
  human: string;
  humanGroups: string[];
  agent: string;
  toolPatterns: string[];
  maxTier: Tier;
  reason: string;
  ticket: string | null;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
  revokeReason: string | null;
  pinnedTools: PinnedTool[];
  pinnedServers: PinnedServer[];
  updatedAt: Date;
}

export interface SessionRecord {
  _id: string;
  consentId: string;
  human: string;
  agent: string;
  createdAt: Date;
  expiresAt: Date;
  pausedAt: Date | null;
  pausedBy: string | null;
  pauseReason: string | null;
  revokedAt: Date | null;
  revokedBy: string | null;
  updatedAt: Date;
}

export const CONSENTS_COLLECTION = 'consents';
export const SESSIONS_COLLECTION = 'agent_sessions';
export const CONTROL_COLLECTION = 'control_state';
