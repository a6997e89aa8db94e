// The no-audit variant's database: the real gateway, with the audit store's writes acknowledged
// without reaching the store. Everything else (consents, sessions, the control epoch) is real.
import type { Collection, Db } from 'mongodb';
import { AUDIT_COLLECTION, AUDIT_OUTCOMES_COLLECTION } from '../../audit/auditStore.ts';

/**
 * The database the gateway gets, with the audit collections' writes (decisions and outcomes)
 * acknowledged at once and never sent; every other collection and command goes to the store as usual.
 * For the no-audit variant.
 */
export function withoutAuditWrites(db: Db): Db {
  const ack = {
    acknowledged: true,
    insertedCount: 0,
    insertedIds: {},
    matchedCount: 0,
    modifiedCount: 0,
    upsertedCount: 0,
    upsertedIds: {},
  };
  const wrapCollection = (collection: Collection): Collection =>
    new Proxy(collection, {
      get(target, property) {
        if (
          property === 'insertMany' ||
          property === 'insertOne' ||
          property === 'bulkWrite' ||
          property === 'updateOne'
        )
          return async () => ack;
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  const auditCollections = new Set<unknown>([AUDIT_COLLECTION, AUDIT_OUTCOMES_COLLECTION]);
  return new Proxy(db, {
    get(target, property) {
      if (property === 'command') {
        // The audit store writes with raw `insert` commands.
        return async (command: Record<string, unknown>, options?: Parameters<Db['command']>[1]) =>
          auditCollections.has(command['insert'])
            ? { ok: 1, n: (command['documents'] as unknown[]).length }
            : target.command(command, options);
      }
      if (property === 'collection') {
        return (name: string, options?: Parameters<Db['collection']>[1]) =>
          name === AUDIT_COLLECTION
            ? wrapCollection(target.collection(name, options))
            : target.collection(name, options);
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
