// The durable audit trail in MongoDB (FerretDB on the embedded default). Decision records are
// group-committed and must be acknowledged before a call is forwarded; if the store is down or
// slower than the bound, the call is refused. Outcomes are appended afterwards in batches.
import type { Collection, Db } from 'mongodb';
import type { Logger } from 'pino';
import { AuditUnavailableError, errorMessage } from '../gateway/errors.ts';
import { storeKind } from '../integrations/mongodb/storeKind.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { DeadlineExceededError, GroupCommitter } from './groupCommit.ts';
import { WriteLane } from './writeLane.ts';
import type { AuditDecisionRecord, AuditOutcome, AuditOutcomeRecord } from './record.ts';

export const AUDIT_COLLECTION = 'audit_records';
export const AUDIT_OUTCOMES_COLLECTION = 'audit_outcomes';
const OUTCOME_RETRY_MS = 1000;
const OUTCOME_LINGER_MS = 20;
const OUTCOME_WRITE_TIMEOUT_MS = 10_000;
const MAX_RETRY_QUEUE = 100_000;

interface PendingOutcome {
  id: string;
  outcome: AuditOutcome;
}

/** Duplicate key: a retried append whose first attempt did land. */
function isDuplicateKey(error: unknown): boolean {
  const write = error as { code?: number; writeErrors?: Array<{ code?: number }> };
  return (
    write.code === 11000 ||
    ((write.writeErrors?.length ?? 0) > 0 && (write.writeErrors ?? []).every((item) => item.code === 11000))
  );
}

export interface AuditStoreOptions {
  db: Db;
  writeTimeoutMs: number;
  maxBatch: number;
  logger: Logger;
  metrics?: GatewayMetrics;
}

export interface AuditWriter {
  recordDecision(record: AuditDecisionRecord): Promise<void>;
  recordOutcome(id: string, outcome: AuditOutcome): void;
}

export class MongoAuditStore implements AuditWriter {
  readonly collection: Collection<AuditDecisionRecord>;
  /**
   * Outcomes are appended as their own documents (keyed by the decision's id), never written into
   * the decision record: the trail stays append-only, and FerretDB's SQLite backend does not push an
   * update's _id filter down (an update scans the whole collection; 0.5 s at 20k records).
   */
  readonly outcomeCollection: Collection<AuditOutcomeRecord>;
  private readonly decisions: GroupCommitter<AuditDecisionRecord>;
  private readonly outcomes: GroupCommitter<PendingOutcome>;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly retryQueue: PendingOutcome[] = [];
  private pendingOutcomes = new Set<Promise<void>>();
  private readonly writeConcern: { w?: number | string; j?: boolean; wtimeout?: number } | undefined;

  constructor(private readonly options: AuditStoreOptions) {
    this.collection = options.db.collection<AuditDecisionRecord>(AUDIT_COLLECTION);
    this.outcomeCollection = options.db.collection<AuditOutcomeRecord>(AUDIT_OUTCOMES_COLLECTION);
    const concern = this.collection.writeConcern;
    this.writeConcern =
      concern && (concern.w !== undefined || concern.journal !== undefined)
        ? {
            ...(concern.w !== undefined ? { w: concern.w } : {}),
            ...(concern.journal !== undefined ? { j: concern.journal } : {}),
            ...(concern.wtimeoutMS !== undefined ? { wtimeout: concern.wtimeoutMS } : {}),
          }
        : undefined;
    // Decisions join the lane first, so they go before outcomes whenever both are waiting.
    const lane = new WriteLane();
    this.decisions = new GroupCommitter({
      maxBatch: options.maxBatch,
      lane,
      write: async (batch, timeoutMs) => {
        // timeoutMS bounds the write: one we already reported as failed must not land later as an
        // "allowed" record for a call that never ran. A retried batch whose first attempt landed
        // reports duplicates, which means durable.
        await this.insert(AUDIT_COLLECTION, batch, timeoutMs ?? options.writeTimeoutMs);
      },
      onBatch: (size, seconds) => {
        options.metrics?.auditBatchSize.observe(size);
        options.metrics?.auditBatchLatency.observe(seconds);
      },
    });
    this.outcomes = new GroupCommitter({
      maxBatch: options.maxBatch,
      // Nobody waits on an outcome: let them share a command even at one call at a time.
      lingerMs: OUTCOME_LINGER_MS,
      lane,
      write: async (batch) => {
        const docs = batch.map(({ id, outcome }) => ({ _id: id, ...outcome, completedAt: new Date() }));
        await this.insert(AUDIT_OUTCOMES_COLLECTION, docs, OUTCOME_WRITE_TIMEOUT_MS);
      },
    });
  }

  /**
   * One `insert` command, as `insertMany` would send it but without the driver's bulk-write
   * machinery, which cost about a third of the driver's CPU per batch in the benchmarks. The
   * collection's write concern (from MONGODB_URI, e.g. `w=majority&journal=true`) is applied.
   */
  private async insert(collection: string, documents: object[], timeoutMs: number): Promise<void> {
    const reply = await this.options.db.command(
      {
        insert: collection,
        documents,
        ordered: false,
        ...(this.writeConcern ? { writeConcern: this.writeConcern } : {}),
      },
      { timeoutMS: timeoutMs },
    );
    const writeErrors = (reply['writeErrors'] ?? []) as Array<{ code?: number; errmsg?: string }>;
    const concernError = reply['writeConcernError'] as { errmsg?: string } | undefined;
    if (concernError) throw new Error(`write concern not met: ${concernError.errmsg ?? 'unknown'}`);
    if (writeErrors.length > 0 && !isDuplicateKey({ writeErrors })) {
      const first = writeErrors.find((item) => item.code !== 11000);
      throw new Error(`audit insert failed: ${first?.errmsg ?? 'write error'} (code ${first?.code ?? '?'})`);
    }
  }

  /**
   * Creates the indexes the trail is read by: per session over time, per tool over time.
   * One index per command: FerretDB 1.24 drops the connection (a server-side panic) when a
   * multi-index createIndexes names indexes that already exist, which is every restart.
   */
  async ensureIndexes(): Promise<void> {
    // FerretDB 1.24 never reads through secondary indexes (only `_id` equality and natural order
    // are pushed down; `explain` shows a scan either way), yet maintains each one on every insert
    // by re-parsing the stored JSON: ~30% of its CPU per audit record. Real MongoDB uses them.
    if ((await storeKind(this.options.db)) === 'ferretdb') return;
    await this.collection.createIndex({ session: 1, time: -1 }, { name: 'by_session_time' });
    await this.collection.createIndex({ tool: 1, time: -1 }, { name: 'by_tool_time' });
    await this.collection.createIndex({ time: -1 }, { name: 'by_time' });
  }

  /** Resolves once the record is durable; rejects with AuditUnavailableError past the bound. */
  async recordDecision(record: AuditDecisionRecord): Promise<void> {
    try {
      await this.decisions.submit(record, this.options.writeTimeoutMs);
    } catch (error) {
      const unavailable = new AuditUnavailableError(
        error instanceof DeadlineExceededError
          ? `no acknowledgement within ${this.options.writeTimeoutMs} ms`
          : errorMessage(error),
      );
      this.options.metrics?.auditFailures.inc({ reason: error instanceof DeadlineExceededError ? 'timeout' : 'error' });
      // The insert may still reach the store later (the driver retries on its own). Whichever lands
      // first, the trail says the call never ran: the outcome document is keyed by the decision's id.
      this.appendOutcome({
        id: record._id,
        outcome: {
          outcome: 'not-forwarded',
          durationMs: 0,
          error: { code: unavailable.code, message: unavailable.message },
        },
      });
      throw unavailable;
    }
  }

  /** Appends the outcome without holding up the agent's answer. Retried until it lands. */
  recordOutcome(id: string, outcome: AuditOutcome): void {
    this.appendOutcome({ id, outcome });
  }

  private appendOutcome(pending: PendingOutcome): void {
    const write = this.outcomes.submit(pending).catch((error: unknown) => {
      this.options.metrics?.auditFailures.inc({ reason: 'outcome' });
      this.options.logger.warn(
        { auditId: pending.id, err: errorMessage(error) },
        'audit outcome not yet written; will retry',
      );
      this.scheduleRetry(pending);
    });
    this.pendingOutcomes.add(write);
    void write.finally(() => this.pendingOutcomes.delete(write));
  }

  private scheduleRetry(pending: PendingOutcome): void {
    if (this.retryQueue.length >= MAX_RETRY_QUEUE) {
      this.options.logger.error({ auditId: pending.id }, 'audit outcome retry queue full; outcome dropped');
      return;
    }
    this.retryQueue.push(pending);
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = null;
      for (const retry of this.retryQueue.splice(0)) this.appendOutcome(retry);
    }, OUTCOME_RETRY_MS);
  }

  /** Waits for appended outcomes to land or be queued for retry (shutdown, tests). */
  async flush(): Promise<void> {
    this.outcomes.flushNow();
    await Promise.all([...this.pendingOutcomes]);
  }

  /** Outcomes waiting for the store to come back. */
  get outcomesAwaitingRetry(): number {
    return this.retryQueue.length;
  }

  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  async ping(timeoutMs = 1000): Promise<void> {
    await this.options.db.command({ ping: 1 }, { timeoutMS: timeoutMs });
  }
}
