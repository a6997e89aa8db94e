// `countersign audit tail`: prints the latest records and follows the trail by polling
// (FerretDB has no change streams); what is new on each poll is AuditFollower's to decide.
import { InvalidArgumentError, type Command } from 'commander';
import { withOutcomes } from '../../audit/auditReader.ts';
import { AUDIT_COLLECTION } from '../../audit/auditStore.ts';
import type { AuditDecisionRecord } from '../../audit/record.ts';
import { loadConfig } from '../../config/load.ts';
import { connectMongo } from '../../integrations/mongodb/connect.ts';
import { AuditFollower } from '../auditFollower.ts';
import { resolveConfigPath } from '../configPath.ts';
import { SLOW_POLL_MS, nextPollDelayMs } from '../pollPacing.ts';

function positiveInteger(flag: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1)
      throw new InvalidArgumentError(`${flag} must be a whole number of at least 1, got '${value}'`);
    return parsed;
  };
}

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
    .option('-n, --lines <count>', 'records to show first', positiveInteger('--lines'), 20)
    .option('--json', 'one JSON record per line')
    .option('--no-follow', 'print and exit')
    .option(
      '--interval <ms>',
      'poll interval (longer when the store is slow to read)',
      positiveInteger('--interval'),
      500,
    )
    .action(async (flags: { config?: string; lines: number; json?: boolean; follow: boolean; interval: number }) => {
      const loaded = await loadConfig(resolveConfigPath(flags.config));
      const mongo = await connectMongo(loaded.env.MONGODB_URI, loaded.file.audit.database);
      const collection = mongo.db.collection<AuditDecisionRecord>(AUDIT_COLLECTION);
      const print = (record: AuditDecisionRecord) =>
        process.stdout.write(`${flags.json ? JSON.stringify(record) : formatRecord(record)}\n`);
      const readWindow = async (since: Date | null): Promise<AuditDecisionRecord[]> =>
        withOutcomes(
          mongo.db,
          await collection
            .find(since ? { time: { $gte: since } } : {})
            .sort({ _id: 1 })
            .toArray(),
        );
      let readStarted = performance.now();
      const latest = (
        await withOutcomes(mongo.db, await collection.find().sort({ _id: -1 }).limit(flags.lines).toArray())
      ).reverse();
      let lastReadMs = performance.now() - readStarted;
      for (const record of latest) print(record);
      if (!flags.follow) {
        await mongo.close();
        return;
      }
      const follower = new AuditFollower();
      follower.prime(latest);
      const primingStart = follower.windowStart();
      if (primingStart) follower.prime([], await readWindow(primingStart));
      let warned = false;
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
        readStarted = performance.now();
        const fresh = await readWindow(follower.windowStart());
        lastReadMs = performance.now() - readStarted;
        for (const record of follower.take(fresh)) print(record);
      }
    });
}
