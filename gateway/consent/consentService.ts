// Grants consent: a human (proven by their IdP token) lets an agent use some tools for a while and
// for a reason. Stores the consent with its pinned tool definitions and a first agent session, and
// returns the agent-session token the agent presents on every MCP request.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { SessionTokenService } from '../identity/sessionTokens.ts';
import type { HumanIdentity } from '../identity/humanTokens.ts';
import type { TierClassifier } from '../tiers.ts';
import type { UpstreamPool } from '../upstreams/upstreamPool.ts';
import type { ConsentStore } from './consentStore.ts';
import { pinForConsent } from './pinning.ts';
import type { ConsentRecord, SessionRecord } from './records.ts';

export const consentRequestSchema = z.strictObject({
  agent: z.string().min(1).max(200).describe('the agent client id, e.g. "claude-code"'),
  tools: z.array(z.string().min(1).max(200)).min(1, 'name at least one tool pattern, e.g. "incidents.*"').max(200),
  maxTier: z.enum(['read', 'write', 'destructive']).default('read'),
  ttlSeconds: z.number().int().positive(),
  reason: z.string().min(3, 'say why the agent needs this access').max(2000),
  ticket: z.string().max(200).optional(),
});

export type ConsentRequest = z.infer<typeof consentRequestSchema>;

export class ConsentRequestError extends Error {
  readonly code = 'CONSENT_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConsentRequestError';
  }
}

export interface GrantedConsent {
  consentId: string;
  sessionId: string;
  token: string;
  expiresAt: string;
  tools: Array<{ name: string; tier: string }>;
}

export interface ConsentServiceOptions {
  store: ConsentStore;
  pool: UpstreamPool;
  tiers: TierClassifier;
  tokens: SessionTokenService;
  consentMaxTtlSeconds: number;
  sessionTokenMaxTtlSeconds: number;
}

export class ConsentService {
  constructor(private readonly options: ConsentServiceOptions) {}

  async grant(human: HumanIdentity, request: ConsentRequest, now = new Date()): Promise<GrantedConsent> {
    if (request.ttlSeconds > this.options.consentMaxTtlSeconds) {
      throw new ConsentRequestError(
        `ttlSeconds ${request.ttlSeconds} exceeds the maximum of ${this.options.consentMaxTtlSeconds}`,
      );
    }
    const { pinnedTools, pinnedServers } = pinForConsent(
      this.options.pool.catalog.all(),
      this.options.pool.states(),
      request.tools,
      this.options.tiers,
    );
    if (pinnedTools.length === 0) {
      throw new ConsentRequestError(
        `no available tool matches ${request.tools.map((t) => `'${t}'`).join(', ')}; tools are named upstream.tool`,
      );
    }
    const consentId = `cns_${randomUUID()}`;
    const sessionId = `ses_${randomUUID()}`;
    const expiresAt = new Date(now.getTime() + request.ttlSeconds * 1000);
    const tokenExpiresAt = new Date(
      Math.min(expiresAt.getTime(), now.getTime() + this.options.sessionTokenMaxTtlSeconds * 1000),
    );
    const consent: ConsentRecord = {
      _id: consentId,
      human: human.subject,
      humanGroups: human.groups,
      agent: request.agent,
      toolPatterns: request.tools,
      maxTier: request.maxTier,
      reason: request.reason,
      ticket: request.ticket ?? null,
      createdAt: now,
      expiresAt,
      revokedAt: null,
      revokedBy: null,
      revokeReason: null,
      pinnedTools,
      pinnedServers,
      updatedAt: now,
    };
    const session: SessionRecord = {
      _id: sessionId,
      consentId,
      human: human.subject,
      agent: request.agent,
      createdAt: now,
      expiresAt: tokenExpiresAt,
      pausedAt: null,
      pausedBy: null,
      pauseReason: null,
      revokedAt: null,
      revokedBy: null,
      updatedAt: now,
    };
    await this.options.store.insertConsentWithSession(consent, session);
    const token = await this.options.tokens.mint({
      human: human.subject,
      agent: request.agent,
      sessionId,
      consentId,
      expiresAt: Math.floor(tokenExpiresAt.getTime() / 1000),
    });
    return {
      consentId,
      sessionId,
      token,
      expiresAt: tokenExpiresAt.toISOString(),
      tools: pinnedTools.map((tool) => ({ name: tool.name, tier: tool.tier })),
    };
  }
}
