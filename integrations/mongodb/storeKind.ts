// Which MongoDB-wire store we are talking to. FerretDB (the embedded default) answers buildInfo
// with a `ferretdbVersion` field; real MongoDB does not. Used where the two need different
// treatment for the same result, never to change what is stored.
import type { Db } from 'mongodb';

export type StoreKind = 'mongodb' | 'ferretdb';

export async function storeKind(db: Db): Promise<StoreKind> {
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info['ferretdbVersion'] === 'string' ? 'ferretdb' : 'mongodb';
}
