// Reads audit records straight from MongoDB, as an incident responder would.
import type { Db } from 'mongodb';
import { withOutcomes } from '../../audit/auditReader.ts';
import { AUDIT_COLLECTION } from '../../audit/auditStore.ts';
import type { AuditDecisionRecord } from '../../audit/record.ts';

export function auditRecords(db: Db) {
  return db.collection<AuditDecisionRecord>(AUDIT_COLLECTION);
}

/** Polls until a record matching the filter satisfies `done` (outcomes are appended asynchronously). */
export async function waitForAudit(
  db: Db,
  filter: Record<string, unknown>,
  done: (record: AuditDecisionRecord) => boolean = () => true,
  timeoutMs = 5000,
): Promise<AuditDecisionRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await withOutcomes(db, await auditRecords(db).find(filter).sort({ _id: -1 }).limit(5).toArray());
    const match = records.find(done);
    if (match) return match;
    if (Date.now() > deadline)
      throw new Error(
        `no audit record matching ${JSON.stringify(filter)} within ${timeoutMs} ms (saw ${JSON.stringify(records)})`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function textOf(result: { content: Array<{ type: string; text?: string }> }): string {
  return result.content.map((block) => block.text ?? '').join('\n');
}
