// `countersign audit tail`: follows the audit trail. FerretDB has no change streams, so it polls
// by time-ordered id, re-reading a short window so records committed out of order are not missed.
import type { Command } from 'commander';
import { withOutcomes } from '../../audit/auditReader.ts';
import { AUDIT_COLLECTION } from '../../audit/auditStore.ts';
import type { AuditDecisionRecord } from '../../audit/record.ts';
import { loadConfig } from '../../config/load.ts';
import { connectMongo } from '../../integrations/mongodb/connect.ts';
import { resolveConfigPath } from '../configPath.ts';
import { SLOW_POLL_MS, nextPollDelayMs } from '../pollPacing.ts';

/** Well inside the re-read window (5 s), so a held-back record is read again before it leaves it. */
const OUTCOME_GRACE_MS = 1000;

function formatRecord(record: AuditDecisionRecord): string {
  const who = record.human ? `${record.human} via ${record.agent ?? '?'}` : 'anonymous';
  const outcome = record.outcome ?? 'pending';
  const duration = record.durationMs !== null ? ` ${record.durationMs.toFixed(1)}ms` : '';
  return `${record.time.toISOString()} ${record._id} ${record.decision.padEnd(14)} ${outcome.padEnd(13)} ${record.tool} ${who}${duration}${record.error ? ` ${record.error.code}` : ''}`;
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('read the audit trail');
  audit
    .command('tail')
    .description('print the latest audit records and follow new ones')
    .option('-c, --config <path>', 'config file')
    .option('-n, --lines <count>', 'records to show first', (value) => Number.parseInt(value, 10), 20)
    .option('--json', 'one JSON record per line')
    .option('--no-follow', 'print and exit')
    .option('--interval <ms>', 'poll interval', (value) => Number.parseInt(value, 10), 500)
    .action(async (flags: { config?: string; lines: number; json?: boolean; follow: boolean; interval: number }) => {
      const loaded = await loadConfig(resolveConfigPath(flags.config));
      const mongo = await connectMongo(loaded.env.MONGODB_URI, loaded.file.audit.database);
      const collection = mongo.db.collection<AuditDecisionRecord>(AUDIT_COLLECTION);
      const print = (record: AuditDecisionRecord) =>
        process.stdout.write(`${flags.json ? JSON.stringify(record) : formatRecord(record)}\n`);
      let readStarted = performance.now();
      const latest = await withOutcomes(
        mongo.db,
        await collection.find().sort({ _id: -1 }).limit(flags.lines).toArray(),
      );
      let lastReadMs = performance.now() - readStarted;
      const seen = new Set<string>();
      for (const record of latest.reverse()) {
        seen.add(record._id);
        print(record);
      }
      if (!flags.follow) {
        await mongo.close();
        return;
      }
      let since = latest.at(-1)?.time ?? new Date();
      let warned = false;
      const heldSince = new Map<string, number>();
      for (;;) {
        const delayMs = nextPollDelayMs(flags.interval, lastReadMs);
        if (!warned && lastReadMs >= SLOW_POLL_MS) {
          warned = true;
          process.stderr.write(
            `reading the audit trail took ${(lastReadMs / 1000).toFixed(1)} s (the store reads every record per query; ` +
              `FerretDB does, MongoDB uses its indexes): following every ${(delayMs / 1000).toFixed(1)} s or slower ` +
              `so the gateway's audit writes are not held up\n`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        const windowStart = new Date(since.getTime() - 5000);
        readStarted = performance.now();
        const fresh = await withOutcomes(
          mongo.db,
          await collection
            .find({ time: { $gte: windowStart } })
            .sort({ _id: 1 })
            .toArray(),
        );
        lastReadMs = performance.now() - readStarted;
        for (const record of fresh) {
          if (seen.has(record._id)) continue;
          // Outcomes land a few milliseconds after their decision: give a new record a moment so it
          // is printed once, finished, rather than as "pending" for a call that already answered.
          // One still pending after that is a call in flight, and is printed as such. Timed from
          // when this process first read it, so a gateway clock ahead of ours cannot hold it back
          // until it has left the re-read window.
          if (record.outcome === null) {
            const firstRead = heldSince.get(record._id) ?? Date.now();
            heldSince.set(record._id, firstRead);
            if (Date.now() - firstRead < OUTCOME_GRACE_MS) continue;
          }
          heldSince.delete(record._id);
          seen.add(record._id);
          print(record);
          if (record.time > since) since = record.time;
        }
        if (seen.size > 50_000) seen.clear();
        if (heldSince.size > 50_000) heldSince.clear();
      }
    });
}
