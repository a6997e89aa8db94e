// Reads the audit trail as responders see it: each decision record with its outcome folded in.
// Outcomes live in their own append-only collection (see MongoAuditStore); refusals carry theirs inline.
import type { Db, Filter, FindOptions } from 'mongodb';
import { AUDIT_COLLECTION, AUDIT_OUTCOMES_COLLECTION } from './auditStore.ts';
import type { AuditDecisionRecord, AuditOutcomeRecord } from './record.ts';

export async function withOutcomes(db: Db, records: AuditDecisionRecord[]): Promise<AuditDecisionRecord[]> {
  const pending = records.filter((record) => record.outcome === null).map((record) => record._id);
  if (pending.length === 0) return records;
  const outcomes = await db
    .collection<AuditOutcomeRecord>(AUDIT_OUTCOMES_COLLECTION)
    .find({ _id: { $in: pending } })
    .toArray();
  const byId = new Map(outcomes.map((outcome) => [outcome._id, outcome]));
  return records.map((record) => {
    const outcome = byId.get(record._id);
    return outcome
      ? {
          ...record,
          outcome: outcome.outcome,
          durationMs: outcome.durationMs,
          error: outcome.error,
          completedAt: outcome.completedAt,
        }
      : record;
  });
}

export async function findAuditRecords(
  db: Db,
  filter: Filter<AuditDecisionRecord>,
  options: FindOptions = {},
): Promise<AuditDecisionRecord[]> {
  const records = await db.collection<AuditDecisionRecord>(AUDIT_COLLECTION).find(filter, options).toArray();
  return withOutcomes(db, records);
}
