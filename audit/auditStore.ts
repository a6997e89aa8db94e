// The durable audit trail in MongoDB (FerretDB on the embedded default). Decision records are
// group-committed and must be acknowledged before a call is forwarded; if the store is down or
// slower than the bound, the call is refused. Outcomes are appended afterwards in batches.
import type { Collection, Db } from 'mongodb';
import type { Logger } from 'pino';
import { AuditUnavailableError, errorMessage } from '../gateway/errors.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { GroupCommitter } from './groupCommit.ts';
import type { AuditDecisionRecord, AuditOutcome } from './record.ts';

export const AUDIT_COLLECTION = 'audit_records';

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
  private readonly decisions: GroupCommitter<AuditDecisionRecord>;
  private readonly outcomes: GroupCommitter<{ id: string; outcome: AuditOutcome }>;
  private pendingOutcomes = new Set<Promise<void>>();

  constructor(private readonly options: AuditStoreOptions) {
    this.collection = options.db.collection<AuditDecisionRecord>(AUDIT_COLLECTION);
    this.decisions = new GroupCommitter({
      maxBatch: options.maxBatch,
      write: async (batch) => {
        await this.collection.insertMany(batch, { ordered: false });
      },
      onBatch: (size, seconds) => {
        options.metrics?.auditBatchSize.observe(size);
        options.metrics?.auditBatchLatency.observe(seconds);
      },
    });
    this.outcomes = new GroupCommitter({
      maxBatch: options.maxBatch,
      write: async (batch) => {
        await this.collection.bulkWrite(
          batch.map(({ id, outcome }) => ({
            updateOne: {
              filter: { _id: id },
              update: {
                $set: { outcome: outcome.outcome, durationMs: outcome.durationMs, error: outcome.error, completedAt: new Date() },
              },
            },
          })),
          { ordered: false },
        );
      },
    });
  }

  /**
   * Creates the indexes the trail is read by: per session over time, per tool over time.
   * One index per command: FerretDB 1.24 drops the connection (a server-side panic) when a
   * multi-index createIndexes names indexes that already exist, which is every restart.
   */
  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ session: 1, time: -1 }, { name: 'by_session_time' });
    await this.collection.createIndex({ tool: 1, time: -1 }, { name: 'by_tool_time' });
    await this.collection.createIndex({ time: -1 }, { name: 'by_time' });
  }

  /** Resolves once the record is durable; rejects with AuditUnavailableError past the bound. */
  async recordDecision(record: AuditDecisionRecord): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new AuditUnavailableError(`no acknowledgement within ${this.options.writeTimeoutMs} ms`)),
        this.options.writeTimeoutMs,
      );
    });
    try {
      await Promise.race([this.decisions.submit(record), timeout]);
    } catch (error) {
      this.options.metrics?.auditFailures.inc({ reason: error instanceof AuditUnavailableError ? 'timeout' : 'error' });
      if (error instanceof AuditUnavailableError) throw error;
      throw new AuditUnavailableError(errorMessage(error));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Appends the outcome without holding up the agent's answer; failures are logged and counted. */
  recordOutcome(id: string, outcome: AuditOutcome): void {
    const pending = this.outcomes.submit({ id, outcome }).catch((error: unknown) => {
      this.options.metrics?.auditFailures.inc({ reason: 'outcome' });
      this.options.logger.error({ auditId: id, err: errorMessage(error) }, 'failed to append audit outcome');
    });
    this.pendingOutcomes.add(pending);
    void pending.finally(() => this.pendingOutcomes.delete(pending));
  }

  /** Waits for appended outcomes to land (shutdown, tests). */
  async flush(): Promise<void> {
    await Promise.all([...this.pendingOutcomes]);
  }

  async ping(timeoutMs = 1000): Promise<void> {
    await this.options.db.command({ ping: 1 }, { timeoutMS: timeoutMs });
  }
}
