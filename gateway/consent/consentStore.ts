// Consents and agent sessions in MongoDB, and the control epoch every replica watches. Each change
// that takes a right away (revoke, pause) bumps the epoch; replicas poll it and drop their caches, so
// the change is visible everywhere within the poll interval. (FerretDB has no change streams.)
import type { Collection, Db } from 'mongodb';
import {
  CONSENTS_COLLECTION,
  CONTROL_COLLECTION,
  SESSIONS_COLLECTION,
  type ConsentRecord,
  type SessionRecord,
} from './records.ts';
import { fromStoredConsent, toStoredConsent, type StoredConsent } from './storedConsent.ts';

interface ControlDoc {
  _id: string;
  value: number;
  updatedAt: Date;
}

const EPOCH_ID = 'revocation-epoch';

export class ConsentStore {
  /** Stored form (definitions as JSON text); read through findConsent/listConsents. */
  readonly consents: Collection<StoredConsent>;
  readonly sessions: Collection<SessionRecord>;
  private readonly control: Collection<ControlDoc>;

  constructor(db: Db) {
    this.consents = db.collection<StoredConsent>(CONSENTS_COLLECTION);
    this.sessions = db.collection<SessionRecord>(SESSIONS_COLLECTION);
    this.control = db.collection<ControlDoc>(CONTROL_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    // One index per command (FerretDB 1.24 mishandles multi-index createIndexes on restart).
    await this.consents.createIndex({ human: 1, createdAt: -1 }, { name: 'by_human' });
    await this.sessions.createIndex({ consentId: 1 }, { name: 'by_consent' });
    await this.sessions.createIndex({ human: 1, createdAt: -1 }, { name: 'by_human' });
  }

  async insertConsentWithSession(consent: ConsentRecord, session: SessionRecord): Promise<void> {
    await this.consents.insertOne(toStoredConsent(consent));
    await this.sessions.insertOne(session);
  }

  async findSession(id: string, timeoutMs: number): Promise<SessionRecord | null> {
    return this.sessions.findOne({ _id: id }, { timeoutMS: timeoutMs });
  }

  async findConsent(id: string, timeoutMs: number): Promise<ConsentRecord | null> {
    const stored = await this.consents.findOne({ _id: id }, { timeoutMS: timeoutMs });
    return stored ? fromStoredConsent(stored) : null;
  }

  async epoch(timeoutMs: number): Promise<number> {
    const doc = await this.control.findOne({ _id: EPOCH_ID }, { timeoutMS: timeoutMs });
    return doc?.value ?? 0;
  }

  private async bumpEpoch(): Promise<void> {
    await this.control.updateOne(
      { _id: EPOCH_ID },
      { $inc: { value: 1 }, $set: { updatedAt: new Date() } },
      { upsert: true },
    );
  }

  /** Revokes a consent and every session under it. Returns how many sessions were ended. */
  async revokeConsent(consentId: string, by: string, reason: string): Promise<{ consents: number; sessions: number }> {
    const now = new Date();
    const consents = await this.consents.updateOne(
      { _id: consentId, revokedAt: null },
      { $set: { revokedAt: now, revokedBy: by, revokeReason: reason, updatedAt: now } },
    );
    const sessions = await this.sessions.updateMany(
      { consentId, revokedAt: null },
      { $set: { revokedAt: now, revokedBy: by, updatedAt: now } },
    );
    await this.bumpEpoch();
    return { consents: consents.modifiedCount, sessions: sessions.modifiedCount };
  }

  /** Revokes everything a human has granted: every consent and every session. */
  async revokeHuman(human: string, by: string, reason: string): Promise<{ consents: number; sessions: number }> {
    const now = new Date();
    const consents = await this.consents.updateMany(
      { human, revokedAt: null },
      { $set: { revokedAt: now, revokedBy: by, revokeReason: reason, updatedAt: now } },
    );
    const sessions = await this.sessions.updateMany(
      { human, revokedAt: null },
      { $set: { revokedAt: now, revokedBy: by, updatedAt: now } },
    );
    await this.bumpEpoch();
    return { consents: consents.modifiedCount, sessions: sessions.modifiedCount };
  }

  async revokeSession(sessionId: string, by: string): Promise<boolean> {
    const now = new Date();
    const result = await this.sessions.updateOne(
      { _id: sessionId, revokedAt: null },
      { $set: { revokedAt: now, revokedBy: by, updatedAt: now } },
    );
    await this.bumpEpoch();
    return result.modifiedCount === 1;
  }

  async pauseSession(sessionId: string, by: string, reason: string): Promise<boolean> {
    const now = new Date();
    const result = await this.sessions.updateOne(
      { _id: sessionId },
      { $set: { pausedAt: now, pausedBy: by, pauseReason: reason, updatedAt: now } },
    );
    await this.bumpEpoch();
    return result.matchedCount === 1;
  }

  async resumeSession(sessionId: string): Promise<boolean> {
    const result = await this.sessions.updateOne(
      { _id: sessionId },
      { $set: { pausedAt: null, pausedBy: null, pauseReason: null, updatedAt: new Date() } },
    );
    await this.bumpEpoch();
    return result.matchedCount === 1;
  }

  async listConsents(filter: { human?: string; activeOnly?: boolean } = {}, limit = 100): Promise<ConsentRecord[]> {
    const query: Record<string, unknown> = {};
    if (filter.human) query['human'] = filter.human;
    if (filter.activeOnly) {
      query['revokedAt'] = null;
      query['expiresAt'] = { $gt: new Date() };
    }
    const stored = await this.consents.find(query).sort({ createdAt: -1 }).limit(limit).toArray();
    return stored.map(fromStoredConsent);
  }

  listSessions(filter: { human?: string; consentId?: string } = {}, limit = 100): Promise<SessionRecord[]> {
    const query: Record<string, unknown> = {};
    if (filter.human) query['human'] = filter.human;
    if (filter.consentId) query['consentId'] = filter.consentId;
    return this.sessions.find(query).sort({ createdAt: -1 }).limit(limit).toArray();
  }
}
