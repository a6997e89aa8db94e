// What `npm run bench` prints: the gateway-vs-direct table, the lean-peers table and the targets.
import type { LeanPeersResult } from './leanPeers.ts';
import type { LatencySummary } from './load.ts';
import type { machineInfo } from './machine.ts';
import type { LongRun, SustainedRun } from './measure.ts';
import { histogramQuantile, type Histogram } from './promHistogram.ts';

export interface ReportSettings {
  tool: string;
  sustainConcurrency: number;
  sustainSeconds: number;
}

export interface LatencyPair {
  concurrency: number;
  direct: LatencySummary & { errors: number };
  gateway: LatencySummary & { errors: number };
  addedP50Ms: number;
  addedP99Ms: number;
}

export interface TargetLine {
  target: string;
  value: string;
  pass: boolean;
}

export const f = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export interface AuditBatches {
  batches: number;
  decisions: number;
  meanBatchSize: number;
  p50BatchSize: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

export function auditBatches(latency: Histogram, size: Histogram): AuditBatches {
  return {
    batches: latency.count,
    decisions: size.sum,
    meanBatchSize: size.count ? size.sum / size.count : Number.NaN,
    p50BatchSize: histogramQuantile(size, 0.5),
    meanMs: latency.count ? (latency.sum / latency.count) * 1000 : Number.NaN,
    p50Ms: histogramQuantile(latency, 0.5) * 1000,
    p99Ms: histogramQuantile(latency, 0.99) * 1000,
  };
}

export function formatLean(lean: LeanPeersResult, settings: ReportSettings): string {
  const row = (label: string, direct: string, gateway: string, added = ''): string =>
    `  ${label.padEnd(38)}${direct.padStart(12)}${gateway.padStart(12)}${added.padStart(12)}`;
  const { latencyC1: c1, sustainedGateway: gw, sustainedDirect: dr } = lean;
  return [
    'lean peers (raw HTTP agent, echo upstream answered on node:http; part 7):',
    row('', 'direct', 'gateway', 'added'),
    row(`c=1 p50 ms (n=${c1.gateway.n})`, f(c1.direct.p50), f(c1.gateway.p50), f(c1.addedP50Ms)),
    row('c=1 p99 ms', f(c1.direct.p99), f(c1.gateway.p99), f(c1.addedP99Ms)),
    row(`sustained c=${settings.sustainConcurrency}: calls/s`, f(dr.callsPerSecond, 0), f(gw.callsPerSecond, 0)),
    row('sustained: errors', `${dr.errors}`, `${gw.errors}`),
    row(
      'sustained: p50 / p99 ms',
      `${f(dr.latency.p50, 1)}/${f(dr.latency.p99, 1)}`,
      `${f(gw.latency.p50, 1)}/${f(gw.latency.p99, 1)}`,
    ),
    row('CPU µs/call: gateway process', '-', f(gw.cpuUsPerCall.gateway, 0)),
    row('CPU µs/call: upstream process', f(dr.cpuUsPerCall.upstream, 0), f(gw.cpuUsPerCall.upstream, 0)),
    row('CPU µs/call: FerretDB process', f(dr.cpuUsPerCall.ferret, 0), f(gw.cpuUsPerCall.ferret, 0)),
    row('CPU µs/call: load generator', f(dr.cpuUsPerCall.loadGenerator, 0), f(gw.cpuUsPerCall.loadGenerator, 0)),
    row('CPU µs/call: all processes', f(dr.cpuUsPerCall.total, 0), f(gw.cpuUsPerCall.total, 0)),
    `  other processes used ${f(gw.otherLoadCores)} cores during the gateway's run, ${f(dr.otherLoadCores)} during the direct one`,
  ].join('\n');
}

export function heapSeries(long: LongRun): string {
  const every = Math.max(1, Math.ceil(long.samples.length / 12));
  return long.samples
    .filter((_sample, index) => index % every === 0 || index === long.samples.length - 1)
    .map((sample) => `${Math.round(sample.calls / 1000)}k ${f(sample.heapUsedMb, 1)}`)
    .join(', ');
}

export function print(
  settings: ReportSettings,
  result: { date: string; machine: ReturnType<typeof machineInfo>; machineSpeedUs: Record<string, number> },
  c1: LatencyPair,
  cHigh: LatencyPair,
  gw: SustainedRun,
  dr: SustainedRun,
  audit: AuditBatches,
  sessions: { count: number; heapBeforeMb: number; heapOpenMb: number; heapAfterCloseMb: number; mbPer1000: number },
  long: LongRun,
  targets: TargetLine[],
  records: Record<string, number>,
  drains: Record<string, number>,
): void {
  const m = result.machine;
  const row = (label: string, direct: string, gateway: string, added = ''): string =>
    `  ${label.padEnd(38)}${direct.padStart(12)}${gateway.padStart(12)}${added.padStart(12)}`;
  const lines = [
    '',
    `Countersign benchmark, ${result.date}`,
    `machine: ${m.cpuModel}, ${m.cores} cores, ${m.totalMemoryGiB} GiB RAM, node ${m.node}, ${m.kernel}; ` +
      `JSON round trip of a small object ${m.jsonRoundTripUs} µs`,
    `machine speed through the run (that JSON round trip, µs): ${Object.entries(result.machineSpeedUs)
      .map(([phase, us]) => `${phase} ${f(us)}`)
      .join(', ')}`,
    `tool: ${settings.tool} direct vs deployments.${settings.tool} via the gateway (v2 client pinned 2026-07-28)`,
    '',
    row('', 'direct', 'gateway', 'added'),
  ];
  for (const pair of [c1, cHigh]) {
    const n = `(n=${pair.gateway.n})`;
    lines.push(row(`c=${pair.concurrency} p50 ms ${n}`, f(pair.direct.p50), f(pair.gateway.p50), f(pair.addedP50Ms)));
    lines.push(row(`c=${pair.concurrency} p99 ms`, f(pair.direct.p99), f(pair.gateway.p99), f(pair.addedP99Ms)));
    if (pair.direct.errors + pair.gateway.errors > 0)
      lines.push(row(`c=${pair.concurrency} errors`, `${pair.direct.errors}`, `${pair.gateway.errors}`));
  }
  const s = settings.sustainConcurrency;
  lines.push(
    row(`sustained c=${s}, ${settings.sustainSeconds} s: calls/s`, f(dr.callsPerSecond, 0), f(gw.callsPerSecond, 0)),
  );
  lines.push(row(`sustained c=${s}: errors`, `${dr.errors}`, `${gw.errors}`));
  lines.push(
    row(
      `sustained c=${s}: p50 / p99 ms`,
      `${f(dr.latency.p50, 1)}/${f(dr.latency.p99, 1)}`,
      `${f(gw.latency.p50, 1)}/${f(gw.latency.p99, 1)}`,
    ),
  );
  lines.push(row('CPU µs/call: gateway process', '-', f(gw.cpuUsPerCall.gateway, 0)));
  lines.push(row('CPU µs/call: upstream process', f(dr.cpuUsPerCall.upstream, 0), f(gw.cpuUsPerCall.upstream, 0)));
  lines.push(row('CPU µs/call: FerretDB process', f(dr.cpuUsPerCall.ferret, 0), f(gw.cpuUsPerCall.ferret, 0)));
  lines.push(
    row('CPU µs/call: load generator', f(dr.cpuUsPerCall.loadGenerator, 0), f(gw.cpuUsPerCall.loadGenerator, 0)),
  );
  lines.push(row('CPU µs/call: all processes', f(dr.cpuUsPerCall.total, 0), f(gw.cpuUsPerCall.total, 0)));
  lines.push(
    `  audit group commit during the sustained run: ${audit.batches} batches, mean ${f(audit.meanBatchSize, 1)} records/batch, ` +
      `round trip mean ${f(audit.meanMs)} ms, p50 ≈ ${f(audit.p50Ms)} ms, p99 ≈ ${f(audit.p99Ms)} ms (histogram buckets)`,
  );
  lines.push(
    `  idle sessions: ${sessions.count} opened; gateway heap after GC ${f(sessions.heapBeforeMb)} → ${f(sessions.heapOpenMb)} MB ` +
      `(${f(sessions.mbPer1000)} MB per 1,000); ${f(sessions.heapAfterCloseMb)} MB after DELETE`,
  );
  lines.push(
    `  long run: ${long.calls} calls on one ${long.client} session at c=${long.concurrency} in ${f(long.seconds, 0)} s (${f(long.callsPerSecond, 0)}/s), ` +
      `${long.errors} errors${long.stoppedEarly ? `; stopped early: ${long.stoppedEarly}` : ''}`,
  );
  lines.push(
    `    heap after GC (MB) by calls: ${heapSeries(long)}; growth ${f(long.growthMb)} MB, slope ${f(long.slopeMbPer100k)} MB per 100k calls`,
  );
  lines.push(
    `  FerretDB busy after each phase (outcome backlog; waited for before the next): ${Object.entries(drains)
      .map(([phase, seconds]) => `${phase} ${f(seconds, 0)} s`)
      .join(', ')}`,
  );
  lines.push(
    `  audit records in the store: ${Object.entries(records)
      .map(([phase, count]) => `${phase} ${count}`)
      .join(', ')}`,
  );
  lines.push(
    `  other processes on the machine used ${f(gw.otherLoadCores)} cores during the gateway's sustained run, ${f(dr.otherLoadCores)} during the direct one`,
  );
  lines.push('', 'targets:');
  for (const target of targets)
    lines.push(`  ${target.pass ? 'PASS' : 'MISS'}  ${target.target.padEnd(62)} ${target.value}`);
  console.log(lines.join('\n'));
}
