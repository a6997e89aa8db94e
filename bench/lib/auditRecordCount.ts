// Decision records in the bench's audit store after each phase: context for the store's timings,
// and a check that it still answers (FerretDB has stopped answering on this machine once, with
// the earlier outcome updates). `collStats`, not a count: FerretDB answers a count by reading
// every document (3 s per 100k, past the bound after the long run), collStats from SQLite's row
// count (0.16 s per 100k).
import { MongoClient } from 'mongodb';
import { AUDIT_COLLECTION } from '../../audit/auditStore.ts';
import { withTimeout } from './load.ts';

export interface AuditRecordCounter {
  /** Records in the audit collection; -1 if the store did not answer within 20 s. */
  count(): Promise<number>;
  close(): Promise<void>;
}

export async function openAuditRecordCounter(uri: string, database: string): Promise<AuditRecordCounter> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 2000 });
  await client.connect();
  return {
    count: () =>
      withTimeout(
        client
          .db(database)
          .command({ collStats: AUDIT_COLLECTION })
          .then((stats) => Number(stats['count'])),
        20_000,
        -1,
      ),
    close: () => withTimeout(client.close(), 5000, undefined),
  };
}
