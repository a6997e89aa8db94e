// The attribution's printed table: each gateway variant against direct, then what the store costs.
import { formatSummary } from '../profileSummary.ts';
import type { AuditProbe, UpdateScaling } from './auditProbe.ts';
import type { VariantResult } from './attribution.ts';

const f = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export function report(
  variants: VariantResult[],
  concurrency: number,
  probe: AuditProbe,
  scaling: UpdateScaling[],
): string {
  const lines: string[] = ['Cost attribution (gateway variants, each in its own process; same upstream and FerretDB)'];
  const direct = variants.find((variant) => variant.variant === 'direct')!;
  lines.push(
    `  ${'variant'.padEnd(11)}${'c=1 p50'.padStart(9)}${'p99'.padStart(8)}${'+p50'.padStart(8)}${'+p99'.padStart(8)}` +
      `${'gw µs/call c=1'.padStart(16)}${`calls/s c=${concurrency}`.padStart(15)}${'gw µs/call'.padStart(12)}${'all µs/call'.padStart(13)}`,
  );
  for (const variant of variants) {
    lines.push(
      `  ${variant.variant.padEnd(11)}${f(variant.c1.p50).padStart(9)}${f(variant.c1.p99).padStart(8)}` +
        `${f(variant.c1.p50 - direct.c1.p50).padStart(8)}${f(variant.c1.p99 - direct.c1.p99).padStart(8)}` +
        `${f(variant.c1CpuUsPerCall.gateway, 0).padStart(16)}${f(variant.sustained.callsPerSecond, 0).padStart(15)}` +
        `${f(variant.sustained.cpuUsPerCall.gateway, 0).padStart(12)}${f(variant.sustained.cpuUsPerCall.total, 0).padStart(13)}` +
        (variant.sustained.errors ? `  (${variant.sustained.errors} errors)` : ''),
    );
  }
  const byName = (name: string) => variants.find((variant) => variant.variant === name);
  const step = (label: string, from: VariantResult | undefined, to: VariantResult | undefined): void => {
    if (!from || !to) return;
    lines.push(
      `  ${label.padEnd(44)} p50 +${f(to.c1.p50 - from.c1.p50)} ms, gateway CPU +${f(to.sustained.cpuUsPerCall.gateway - from.sustained.cpuUsPerCall.gateway, 0)} µs/call at c=${concurrency}` +
        `, +${f(to.c1CpuUsPerCall.gateway - from.c1CpuUsPerCall.gateway, 0)} µs/call at c=1`,
    );
  };
  lines.push('  increments:');
  step('MCP hop on the SDK (sdk-proxy vs direct)', direct, byName('sdk-proxy'));
  step('Countersign endpoint+pipeline (no-audit vs sdk-proxy)', byName('sdk-proxy'), byName('no-audit'));
  step('durable audit write (full vs no-audit)', byName('no-audit'), byName('full'));
  const monitored = byName('monitored')?.auditRoundTrips;
  if (monitored) {
    for (const [label, trips] of [
      ['c=1', monitored.concurrency1],
      [`c=${concurrency}`, monitored.sustained],
    ] as const) {
      lines.push(
        `  audit round trips at ${label}: decision insert p50 ${f(trips.decisionP50Ms)} ms, p99 ${f(trips.decisionP99Ms)} ms, ` +
          `${f(trips.decisionDocsMean, 1)} records/insert (${trips.decisionWrites} inserts); ` +
          `outcome insert p50 ${f(trips.outcomeP50Ms)} ms, ${f(trips.outcomeDocsMean, 1)} per insert (${trips.outcomeWrites})`,
      );
    }
  }
  const commands = byName('monitored')?.storeCommands;
  if (commands) {
    const show = (counts: Record<string, number>) =>
      Object.entries(counts)
        .sort((a, b) => b[1] - a[1])
        .map(([name, count]) => `${name} ×${count}`)
        .join(', ');
    lines.push(`  store commands during c=1 (warm-up + measured calls): ${show(commands.concurrency1)}`);
    lines.push(`  store commands during c=${concurrency}: ${show(commands.sustained)}`);
  }
  const long = byName('no-audit')?.long;
  if (long) {
    lines.push(
      `  no-audit gateway, ${long.calls} calls on one legacy session (${f(long.callsPerSecond, 0)}/s, ${long.errors} errors): heap after GC ` +
        `${f(long.samples[0]?.heapUsedMb ?? Number.NaN, 1)} → ${f(long.samples.at(-1)?.heapUsedMb ?? Number.NaN, 1)} MB, slope ${f(long.slopeMbPer100k)} MB per 100k calls`,
    );
  }
  lines.push(
    `  FerretDB alone (driver, c=1): insertMany(1) p50 ${f(probe.insert1.p50)} / p99 ${f(probe.insert1.p99)} ms; ` +
      `insertMany(${probe.insertBatch.batch}) p50 ${f(probe.insertBatch.p50)} ms; outcome bulkWrite(1) p50 ${f(probe.update1.p50)} / p99 ${f(probe.update1.p99)} ms; ` +
      `MongoAuditStore.recordDecision p50 ${f(probe.recordDecision1.p50)} ms`,
  );
  lines.push('  outcome update (updateOne by _id of a recent record) against audit collection size:');
  for (const row of scaling) {
    lines.push(
      `    ${String(row.records).padStart(7)} records: update ${f(row.outcomeUpdateMs, 1).padStart(8)} ms, insert(1) ${f(row.insert1Ms, 1)} ms` +
        (row.updateFilterPushdown === null
          ? ''
          : `, filterPushdown=${row.updateFilterPushdown}, plan ${row.updatePlan}`),
    );
  }
  for (const variant of variants) {
    if (!variant.profile) continue;
    lines.push(
      '',
      formatSummary(
        variant.profile,
        `profile: ${variant.variant} at c=${concurrency}`,
        variant.sustained.cpuUsPerCall.gateway,
      ),
    );
  }
  return lines.join('\n');
}
