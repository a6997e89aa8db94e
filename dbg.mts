import { startTestFerretDb } from './test/support/embedded.ts';
import { MongoClient } from 'mongodb';
const store = await startTestFerretDb();
const c = new MongoClient(store.uri, { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000 });
await c.connect();
const col = c.db('x').collection('y');
await col.insertOne({ _id: 'warm' as any });
await store.kill();
for (const id of ['a', 'b']) {
  const t = Date.now();
  try { await col.insertMany([{ _id: id as any }], { ordered: false, timeoutMS: 1500 }); console.log(id, 'ok?!'); }
  catch (e) { console.log(id, 'failed after', Date.now() - t, (e as Error).name, (e as Error).message.slice(0, 100)); }
}
await store.restart();
await new Promise(r => setTimeout(r, 3000));
console.log(await col.find().toArray());
await c.close(); await store.stop();
