// The embedded store's insert round trip one at a time, back to back against with a pause between
// inserts (as at one call at a time, where every process sleeps between messages), split into the
// driver's own share and the wire (commandStarted → commandSucceeded). Tells how much of the
// gateway's c=1 latency is the store, and how much waking up costs on this machine.
//
//   npx tsx bench/storeWake.ts [pauseMs=2] [inserts=400]
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { startFerret } from './lib/children.ts';
import { summarize } from './lib/load.ts';

const pauseMs = Number(process.argv[2] ?? 2);
const inserts = Number(process.argv[3] ?? 400);
const ferret = await startFerret();
const client = await new MongoClient(ferret.uri, { monitorCommands: true }).connect();
try {
  const db = client.db('countersign_bench_wake');
  let wireStarted = 0;
  const wire: number[] = [];
  client.on('commandStarted', (event) => {
    if (event.commandName === 'insert') wireStarted = performance.now();
  });
  client.on('commandSucceeded', (event) => {
    if (event.commandName === 'insert') wire.push(performance.now() - wireStarted);
  });
  const record = () => ({ _id: randomUUID(), time: new Date(), tool: 'deployments.echo', reason: 'x'.repeat(200) });
  process.stdout.write(`FerretDB insert of one record, ${inserts} times (first 50 not counted), ${ferret.uri}\n`);
  for (let round = 1; round <= 2; round++) {
    for (const pause of [0, pauseMs]) {
      const total: number[] = [];
      wire.length = 0;
      for (let i = 0; i < inserts; i++) {
        const started = performance.now();
        await db.command({ insert: 'audit', documents: [record()], ordered: false }, { timeoutMS: 5000 });
        total.push(performance.now() - started);
        if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      }
      const all = summarize(Float64Array.from(total.slice(50)));
      const onWire = summarize(Float64Array.from(wire.slice(50)));
      process.stdout.write(
        `  round ${round}, ${pause === 0 ? 'back to back' : `${pause} ms pause`}: p50 ${all.p50.toFixed(2)} ms ` +
          `(wire ${onWire.p50.toFixed(2)}, driver ${(all.p50 - onWire.p50).toFixed(2)}), p99 ${all.p99.toFixed(2)} ms\n`,
      );
    }
  }
} finally {
  await client.close();
  await ferret.stop();
}
