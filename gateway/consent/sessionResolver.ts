// Resolves an agent session (the token's `sid`) to its session and consent records, per replica,
// with a cache that never outlives a revocation by more than the poll interval: a background poll
// reads the control epoch every `pollIntervalMs`; a change clears the cache, and if the poll has not
// succeeded recently the cache is not trusted at all (fail closed: the store answers or the call is
// refused).
import type { Logger } from 'pino';
import { errorMessage } from '../errors.ts';
import type { ConsentStore } from './consentStore.ts';
import type { ConsentRecord, SessionRecord } from './records.ts';
import { SessionError } from './sessionErrors.ts';

export interface ResolvedSession {
  session: SessionRecord;
  consent: ConsentRecord;
}

export interface SessionResolverOptions {
  store: ConsentStore;
  logger: Logger;
  pollIntervalMs?: number;
  /** Cache entries are trusted only if the epoch was confirmed this recently. */
  maxStalenessMs?: number;
  lookupTimeoutMs?: number;
  maxCacheEntries?: number;
}

export class SessionResolver {
  private readonly cache = new Map<string, ResolvedSession>();
  private epoch = -1;
  private lastConfirmedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly pollIntervalMs: number;
  private readonly maxStalenessMs: number;
  private readonly lookupTimeoutMs: number;
  private readonly maxCacheEntries: number;

  constructor(private readonly options: SessionResolverOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.maxStalenessMs = options.maxStalenessMs ?? 1000;
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? 1500;
    this.maxCacheEntries = options.maxCacheEntries ?? 50_000;
  }

  async start(): Promise<void> {
    await this.poll();
    const tick = () => {
      this.timer = setTimeout(() => {
        void this.poll().finally(() => {
          if (this.timer) tick();
        });
      }, this.pollIntervalMs);
      this.timer.unref();
    };
    tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  get cachedSessions(): number {
    return this.cache.size;
  }

  private async poll(): Promise<void> {
    try {
      const epoch = await this.options.store.epoch(this.lookupTimeoutMs);
      if (epoch !== this.epoch) {
        if (this.epoch !== -1) this.options.logger.debug({ epoch }, 'revocation epoch changed; session cache cleared');
        this.cache.clear();
        this.epoch = epoch;
      }
      this.lastConfirmedAt = Date.now();
    } catch (error) {
      this.options.logger.warn(
        { err: errorMessage(error) },
        'cannot read the revocation epoch; session cache distrusted',
      );
    }
  }

  /** Throws SessionError when the session may not be used. */
  async resolve(sessionId: string, now = new Date()): Promise<ResolvedSession> {
    const fresh = Date.now() - this.lastConfirmedAt <= this.maxStalenessMs;
    let resolved = fresh ? this.cache.get(sessionId) : undefined;
    if (!resolved) {
      resolved = await this.load(sessionId);
      if (fresh) {
        if (this.cache.size >= this.maxCacheEntries) this.cache.clear();
        this.cache.set(sessionId, resolved);
      }
    }
    check(resolved, now);
    return resolved;
  }

  private async load(sessionId: string): Promise<ResolvedSession> {
    let session: SessionRecord | null;
    let consent: ConsentRecord | null = null;
    try {
      session = await this.options.store.findSession(sessionId, this.lookupTimeoutMs);
      if (session) consent = await this.options.store.findConsent(session.consentId, this.lookupTimeoutMs);
    } catch (error) {
      throw new SessionError(
        'CONTROL_STORE_UNAVAILABLE',
        `The gateway cannot confirm this session is still allowed (${errorMessage(error)}), so it refuses the request. Retry shortly.`,
      );
    }
    if (!session || !consent)
      throw new SessionError(
        'SESSION_UNKNOWN',
        'This agent session does not exist. Ask the human to grant consent again for a new token.',
      );
    return { session, consent };
  }
}

function check({ session, consent }: ResolvedSession, now: Date): void {
  if (consent.revokedAt) {
    throw new SessionError(
      'CONSENT_REVOKED',
      `The human's consent for this agent was revoked${consent.revokedBy ? ` by ${consent.revokedBy}` : ''}${consent.revokeReason ? ` (${consent.revokeReason})` : ''}. Nothing more can run under it; a new consent is needed.`,
    );
  }
  if (session.revokedAt)
    throw new SessionError(
      'SESSION_REVOKED',
      'This agent session was revoked. A new consent is needed for a new token.',
    );
  if (consent.expiresAt <= now)
    throw new SessionError(
      'CONSENT_EXPIRED',
      `The consent expired at ${consent.expiresAt.toISOString()}. Ask the human to grant consent again.`,
    );
  if (session.expiresAt <= now)
    throw new SessionError('SESSION_EXPIRED', `The session expired at ${session.expiresAt.toISOString()}.`);
  if (session.pausedAt) {
    throw new SessionError(
      'SESSION_PAUSED',
      `This agent session is paused${session.pausedBy ? ` by ${session.pausedBy}` : ''}${session.pauseReason ? `: ${session.pauseReason}` : ''}. Calls are refused until a human resumes it.`,
    );
  }
}
