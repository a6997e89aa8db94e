// Agent-session tokens: the credential every MCP request carries. A JWT signed by the gateway with
// sub = the human, act.sub = the agent client (RFC 8693 actor), sid = the agent session, cid = the
// consent, aud = the gateway's resource URL, iss = the gateway, and a short exp.
//
// Verification is on every call's hot path, so verified tokens are cached: a bounded LRU keyed by
// the token's SHA-256 (the cache never holds a usable token), each entry living until the token's
// exp. A hit re-checks expiry; whether the session or consent is still live is the caller's next step.

import { hash, randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { AuthError } from './errors.ts';
import type { GatewayKeys, GatewayTokenVerifier } from './gatewayKeys.ts';

/** 'typ' header of agent-session tokens: a downstream assertion signed by the same key is not one. */
export const SESSION_TOKEN_TYPE = 'countersign-session+jwt';
const KIND = 'agent-session token';
const RENEW_HINT =
  'Ask the human to grant consent again (POST /consents or `countersign token issue`) for a new token.';

export interface AgentSessionClaims {
  human: string;
  agent: string;
  sessionId: string;
  consentId: string;
  /** Epoch seconds. */
  expiresAt: number;
  issuedAt: number;
  tokenId: string;
}

export interface SessionTokenOptions {
  /** The gateway's URL. */
  issuer: string;
  /** The gateway's MCP resource URL (RFC 8707 audience). */
  audience: string;
  /** Verified tokens kept; default 10,000. */
  cacheSize?: number;
  /** Allowed skew between replicas' clocks; default 5. */
  clockToleranceSeconds?: number;
  /** Injectable clock (epoch ms), for tests. */
  now?: () => number;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function invalid(what: string): AuthError {
  return new AuthError(
    'TOKEN_INVALID_CLAIMS',
    `The ${KIND} lacks ${what}; it was not issued by this gateway's consent flow.`,
  );
}

function sessionClaims(payload: JWTPayload): AgentSessionClaims {
  const act = payload.act as { sub?: unknown } | undefined;
  if (!nonEmpty(payload.sub)) throw invalid("the human ('sub')");
  if (typeof act !== 'object' || act === null || !nonEmpty(act.sub)) throw invalid("the agent ('act.sub')");
  if (!nonEmpty(payload.sid)) throw invalid("a session id ('sid')");
  if (!nonEmpty(payload.cid)) throw invalid("a consent id ('cid')");
  if (!nonEmpty(payload.jti)) throw invalid("a token id ('jti')");
  if (typeof payload.iat !== 'number') throw invalid("an issue time ('iat')");
  return Object.freeze({
    human: payload.sub,
    agent: act.sub,
    sessionId: payload.sid,
    consentId: payload.cid,
    expiresAt: payload.exp as number,
    issuedAt: payload.iat,
    tokenId: payload.jti,
  });
}

export class SessionTokenService {
  private readonly cache = new Map<string, AgentSessionClaims>();
  private readonly cacheSize: number;
  private readonly tolerance: number;
  private readonly now: () => number;
  private readonly verifyJwt: GatewayTokenVerifier;
  private lastSweep = 0;

  constructor(
    private readonly keys: GatewayKeys,
    private readonly options: SessionTokenOptions,
  ) {
    this.cacheSize = options.cacheSize ?? 10_000;
    this.tolerance = options.clockToleranceSeconds ?? 5;
    this.now = options.now ?? Date.now;
    this.verifyJwt = keys.verifier({
      type: SESSION_TOKEN_TYPE,
      clockToleranceSeconds: this.tolerance,
      now: this.now,
      kind: KIND,
      renewHint: RENEW_HINT,
    });
  }

  async mint(claims: {
    human: string;
    agent: string;
    sessionId: string;
    consentId: string;
    expiresAt: number;
  }): Promise<string> {
    const { human, agent, sessionId, consentId, expiresAt } = claims;
    for (const [name, value] of Object.entries({ human, agent, sessionId, consentId })) {
      if (!nonEmpty(value)) throw new Error(`agent-session token: '${name}' must be a non-empty string`);
    }
    const issuedAt = Math.floor(this.now() / 1000);
    if (!Number.isInteger(expiresAt) || expiresAt <= issuedAt) {
      throw new Error('agent-session token: expiresAt must be a whole number of epoch seconds in the future');
    }
    return this.keys.sign(
      {
        iss: this.options.issuer,
        act: { sub: agent },
        sid: sessionId,
        cid: consentId,
        jti: randomUUID(),
        iat: issuedAt,
      },
      { audience: this.options.audience, subject: human, expiresAt, type: SESSION_TOKEN_TYPE },
    );
  }

  async verify(token: string): Promise<AgentSessionClaims> {
    if (!token)
      throw new AuthError('TOKEN_MISSING', `No ${KIND} was given; send it as 'Authorization: Bearer <token>'.`);
    const key = hash('sha256', token, 'base64url');
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.cache.delete(key);
      // Same rule as jose's: expired once exp <= now - tolerance.
      if (cached.expiresAt <= this.now() / 1000 - this.tolerance) {
        throw new AuthError('TOKEN_EXPIRED', `The ${KIND} has expired. ${RENEW_HINT}`);
      }
      this.cache.set(key, cached); // most recently used goes last
      return cached;
    }
    const claims = sessionClaims(
      await this.verifyJwt(token, { audience: this.options.audience, issuer: this.options.issuer }),
    );
    this.cache.set(key, claims);
    if (this.cache.size > this.cacheSize) this.evict();
    return claims;
  }

  /** Drops expired entries (a full sweep at most once a second), else the least recently used one. */
  private evict(): void {
    const now = this.now();
    if (now - this.lastSweep >= 1000) {
      this.lastSweep = now;
      const expiredBefore = now / 1000 - this.tolerance;
      for (const [key, claims] of this.cache) {
        if (claims.expiresAt <= expiredBefore) this.cache.delete(key);
      }
    }
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
  }
}
