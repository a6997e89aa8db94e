// The audit store on its own: insertMany round trips of audit-shaped records straight from the
// driver (no gateway), one at a time and in batches, plus the outcome update. Tells how much of the
// gateway's audit cost is the store itself.
import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import { MongoAuditStore } from '../../audit/auditStore.ts';
import { connectMongo } from '../../integrations/mongodb/connect.ts';
import { createLogger } from '../../observability/logger.ts';
import { summarize, type LatencySummary } from './load.ts';

export interface AuditProbe {
  /** insertMany of one record, one at a time. */
  insert1: LatencySummary;
  /** insertMany of `batch` records, one batch at a time. */
  insertBatch: LatencySummary & { batch: number };
  /** bulkWrite of one outcome update, one at a time. */
  update1: LatencySummary;
  /** MongoAuditStore.recordDecision at concurrency 1 (group commit of one). */
  recordDecision1: LatencySummary;
}

type AuditDoc = { _id: string; [key: string]: unknown };

function record(): AuditDoc {
  return {
    _id: randomUUID(),
    time: new Date(),
    session: null,
    human: null,
    agent: null,
    consentId: null,
    upstream: 'deployments',
    tool: 'deployments.list_deployments',
    upstreamTool: 'list_deployments',
    toolDefinitionHash: `sha256:${'0'.repeat(64)}`,
    tier: null,
    argumentsHash: `sha256:${'1'.repeat(64)}`,
    arguments: {},
    decision: 'allow',
    decisionReason: 'pass-through: no policy layer configured',
    policyIds: [],
    policySetHash: null,
    approvalId: null,
    protocolVersion: '2026-07-28',
    gatewayInstance: randomUUID(),
    outcome: null,
    durationMs: null,
    error: null,
    completedAt: null,
  };
}

export async function probeAuditStore(uri: string, count = 300, batch = 32): Promise<AuditProbe> {
  const mongo = await connectMongo(uri, 'countersign_bench_probe');
  try {
    const store = new MongoAuditStore({
      db: mongo.db,
      writeTimeoutMs: 5000,
      maxBatch: 256,
      logger: createLogger({ level: 'silent' }),
    });
    await store.ensureIndexes();
    const collection = store.collection as unknown as Collection<AuditDoc>;
    const time = async (fn: () => Promise<unknown>, n: number): Promise<LatencySummary> => {
      for (let index = 0; index < 20; index++) await fn();
      const latencies = new Float64Array(n);
      for (let index = 0; index < n; index++) {
        const started = performance.now();
        await fn();
        latencies[index] = performance.now() - started;
      }
      return summarize(latencies);
    };
    const ids: string[] = [];
    const insert1 = await time(async () => {
      const doc = record();
      ids.push(doc._id);
      await collection.insertMany([doc], { ordered: false });
    }, count);
    const insertBatch = await time(
      () => collection.insertMany(Array.from({ length: batch }, record), { ordered: false }),
      Math.ceil(count / 4),
    );
    let next = 0;
    const update1 = await time(
      () =>
        collection.bulkWrite(
          [
            {
              updateOne: {
                filter: { _id: ids[next++ % ids.length]! },
                update: { $set: { outcome: 'ok', durationMs: 1, error: null, completedAt: new Date() } },
              },
            },
          ],
          { ordered: false },
        ),
      count,
    );
    const recordDecision1 = await time(() => store.recordDecision(record() as never), count);
    await store.flush();
    store.close();
    return { insert1, insertBatch: { ...insertBatch, batch }, update1, recordDecision1 };
  } finally {
    await mongo.close();
  }
}

export interface UpdateScaling {
  /** Records in the collection when measured. */
  records: number;
  /** The outcome write the gateway makes: updateOne by _id of a recent record (via bulkWrite). */
  outcomeUpdateMs: number;
  /** A decision insert of one record. */
  insert1Ms: number;
  /** Whether the store pushes the update's _id filter down (from explain). */
  updateFilterPushdown: boolean | null;
  updatePlan: string | null;
}

/**
 * How the outcome update's cost grows with the audit collection: fill a fresh collection (with the
 * gateway's indexes) to each size and time updates of the most recent records, as the gateway does.
 */
export async function probeUpdateScaling(
  uri: string,
  sizes: readonly number[] = [1000, 5000, 20_000],
): Promise<UpdateScaling[]> {
  const mongo = await connectMongo(uri, `countersign_bench_scaling_${Date.now()}`);
  try {
    const store = new MongoAuditStore({
      db: mongo.db,
      writeTimeoutMs: 60_000,
      maxBatch: 1000,
      logger: createLogger({ level: 'silent' }),
    });
    await store.ensureIndexes();
    const collection = store.collection as unknown as Collection<AuditDoc>;
    const results: UpdateScaling[] = [];
    let records = 0;
    for (const size of sizes) {
      while (records < size) {
        const n = Math.min(1000, size - records);
        await collection.insertMany(Array.from({ length: n }, record), { ordered: false });
        records += n;
      }
      const recent = (
        await collection
          .find({}, { projection: { _id: 1 } })
          .sort({ time: -1 })
          .limit(10)
          .toArray()
      ).map((doc) => doc._id);
      let updateMs = 0;
      for (const id of recent) {
        const started = performance.now();
        await collection.bulkWrite(
          [
            {
              updateOne: {
                filter: { _id: id },
                update: { $set: { outcome: 'ok', durationMs: 1, error: null, completedAt: new Date() } },
              },
            },
          ],
          {
            ordered: false,
          },
        );
        updateMs += performance.now() - started;
      }
      let insertMs = 0;
      for (let index = 0; index < 10; index++) {
        const started = performance.now();
        await collection.insertMany([record()], { ordered: false });
        insertMs += performance.now() - started;
      }
      records += 10;
      let pushdown: boolean | null = null;
      let plan: string | null = null;
      try {
        const explained = await mongo.db.command({
          explain: {
            update: collection.collectionName,
            updates: [{ q: { _id: recent[0] ?? '' }, u: { $set: { outcome: 'ok' } } }],
          },
        });
        pushdown = typeof explained['filterPushdown'] === 'boolean' ? explained['filterPushdown'] : null;
        plan = JSON.stringify(
          (explained['queryPlanner'] as { Plan?: unknown } | undefined)?.Plan ?? explained['queryPlanner'] ?? null,
        );
      } catch {
        // MongoDB proper answers explain differently; the timings stand on their own.
      }
      results.push({
        records: size,
        outcomeUpdateMs: updateMs / recent.length,
        insert1Ms: insertMs / 10,
        updateFilterPushdown: pushdown,
        updatePlan: plan,
      });
    }
    await mongo.db.dropDatabase().catch(() => undefined);
    return results;
  } finally {
    await mongo.close();
  }
}
