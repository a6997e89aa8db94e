// `npm run bench -- --attribute`: what the gateway's added latency and CPU are made of. The same
// upstream and FerretDB serve four gateway variants in turn (see bench/gatewayProcess.ts):
//   sdk-proxy  - direct      = one more MCP-over-HTTP hop on the SDK (server side + client side)
//   no-audit   - sdk-proxy   = Countersign's endpoint, pipeline, metrics and logging
//   full       - no-audit    = the durable audit write (group-committed insert, outcome update)
//   monitored                = full with driver command monitoring: the audit round trips themselves
// Each variant also gets a CPU profile of a sustained run, summarised by package and function.
import path from 'node:path';
import { formatMicro, runMicro, type MicroResult } from '../micro.ts';
import { formatSummary, type ProfileSummary } from '../profileSummary.ts';
import {
  cpuPerCall,
  cpuSample,
  heapOverCalls,
  profiledRun,
  sustained,
  waitForQuietMachine,
  type CpuPerCall,
  type LongRun,
} from './measure.ts';
import { probeAuditStore, probeUpdateScaling, type AuditProbe, type UpdateScaling } from './auditProbe.ts';
import { startGatewayChild, type FerretChild, type UpstreamChild } from './children.ts';
import { connectLegacy, connectModern, runFixed, summarize, type LatencySummary } from './load.ts';
import { gatewayConfigText, grantConsent, type BenchIdentity } from './identity.ts';
import type { GatewayVariant } from '../gatewayProcess.ts';
import { AUDIT_COLLECTION, AUDIT_OUTCOMES_COLLECTION } from '../../audit/auditStore.ts';

interface VariantResult {
  variant: GatewayVariant | 'direct';
  c1: LatencySummary & { errors: number };
  sustained: { callsPerSecond: number; errors: number; cpuUsPerCall: CpuPerCall; otherLoadCores: number };
  c1CpuUsPerCall: CpuPerCall;
  profile?: ProfileSummary;
  /** no-audit only: heap over many calls on one legacy session, without the audit store in the way. */
  long?: LongRun;
  auditRoundTrips?: { concurrency1: RoundTrips; sustained: RoundTrips };
  /** monitored only: every command the gateway sent to the store during the c=1 and sustained runs. */
  storeCommands?: { concurrency1: Record<string, number>; sustained: Record<string, number> };
}

interface RoundTrips {
  /** Decision records: insertMany into audit_records (group-committed; the call waits for it). */
  decisionWrites: number;
  decisionDocsMean: number;
  decisionP50Ms: number;
  decisionP99Ms: number;
  decisionMeanMs: number;
  /** Outcomes: insertMany into audit_outcomes (or, before append-only outcomes, updates of audit_records). */
  outcomeWrites: number;
  outcomeDocsMean: number;
  outcomeP50Ms: number;
  outcomeP99Ms: number;
}

export interface AttributionResult {
  settings: { n: number; seconds: number; concurrency: number };
  variants: VariantResult[];
  auditProbe: AuditProbe;
  updateScaling: UpdateScaling[];
  micro: MicroResult[];
  report: string;
}

interface Timing {
  command: string;
  ms: number;
  docs: number;
}

function roundTrips(timings: Timing[]): RoundTrips {
  const decisions = timings.filter((timing) => timing.command === `insert ${AUDIT_COLLECTION}`);
  const outcomes = timings.filter(
    (timing) =>
      timing.command === `insert ${AUDIT_OUTCOMES_COLLECTION}` || timing.command === `update ${AUDIT_COLLECTION}`,
  );
  const latency = (items: Timing[]) => summarize(Float64Array.from(items.map((item) => item.ms)));
  const mean = (items: Timing[]) =>
    items.length ? items.reduce((sum, item) => sum + item.docs, 0) / items.length : Number.NaN;
  const decisionLatency = latency(decisions);
  const outcomeLatency = latency(outcomes);
  return {
    decisionWrites: decisions.length,
    decisionDocsMean: mean(decisions),
    decisionP50Ms: decisionLatency.p50,
    decisionP99Ms: decisionLatency.p99,
    decisionMeanMs: decisionLatency.mean,
    outcomeWrites: outcomes.length,
    outcomeDocsMean: mean(outcomes),
    outcomeP50Ms: outcomeLatency.p50,
    outcomeP99Ms: outcomeLatency.p99,
  };
}

const f = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export async function runAttribution(options: {
  upstream: UpstreamChild;
  ferret: FerretChild;
  identity: BenchIdentity;
  outDir: string;
  log: (message: string) => void;
}): Promise<AttributionResult> {
  const { upstream, ferret, identity, outDir, log } = options;
  const n = Number(process.env.BENCH_ATTR_N ?? 1000);
  const seconds = Number(process.env.BENCH_ATTR_S ?? 5);
  const concurrency = Number(process.env.BENCH_SUSTAIN_CONCURRENCY ?? 64);
  const variants: VariantResult[] = [];
  const tool = 'list_deployments';

  const measureC1 = async (
    caller: Awaited<ReturnType<typeof connectModern>>,
    pids: Parameters<typeof cpuSample>[0],
  ) => {
    await runFixed(caller, 300, 1);
    const before = await cpuSample(pids);
    const run = await runFixed(caller, n, 1);
    const after = await cpuSample(pids);
    return {
      c1: { ...summarize(run.latencies), errors: run.errors },
      c1CpuUsPerCall: cpuPerCall(before, after, run.calls),
    };
  };

  log(`attribution: direct, then gateway variants; ${n} calls at c=1 and ${seconds} s at c=${concurrency} each`);
  {
    const pids = { upstreamPid: upstream.pid, ferretPid: ferret.pid };
    await waitForQuietMachine(log);
    const direct = await connectModern('direct', upstream.url, tool, {});
    const c1 = await measureC1(direct, pids);
    const run = await sustained(direct, seconds, concurrency, pids);
    variants.push({
      variant: 'direct',
      ...c1,
      sustained: {
        callsPerSecond: run.callsPerSecond,
        errors: run.errors,
        cpuUsPerCall: run.cpuUsPerCall,
        otherLoadCores: run.otherLoadCores,
      },
    });
    await direct.close();
  }

  for (const variant of ['sdk-proxy', 'no-audit', 'full', 'monitored'] as const) {
    log(`  variant ${variant}`);
    const gateway = await startGatewayChild({
      variant,
      configText: gatewayConfigText({
        identity,
        upstreamUrl: upstream.url,
        database: `countersign_bench_${variant.replace('-', '_')}`,
      }),
      upstreamUrl: upstream.url,
      mongoUri: ferret.uri,
      logLevel: process.env.LOG_LEVEL ?? 'info',
    });
    try {
      const pids = { gateway, upstreamPid: upstream.pid, ferretPid: ferret.pid };
      const token = variant === 'sdk-proxy' ? undefined : await grantConsent(identity, gateway.baseUrl);
      const caller = await connectModern(variant, gateway.mcpUrl, `deployments.${tool}`, {}, token);
      const monitored = variant === 'monitored';
      type Monitored = { timings: Timing[]; counts: Record<string, number> };
      const none: Monitored = { timings: [], counts: {} };
      if (monitored) await gateway.request('mongo-timings');
      await waitForQuietMachine(log);
      const c1 = await measureC1(caller, pids);
      // The c=1 figures cover its 300-call warm-up and the measured calls.
      const c1Store = monitored ? await gateway.request<Monitored>('mongo-timings') : none;
      const run = await sustained(caller, seconds, concurrency, pids);
      const sustainedStore = monitored ? await gateway.request<Monitored>('mongo-timings') : none;
      const profile = monitored
        ? undefined
        : await profiledRun(
            gateway,
            caller,
            seconds,
            concurrency,
            path.join(outDir, `attribution-${variant}.cpuprofile`),
          );
      let long: LongRun | undefined;
      if (variant === 'no-audit') {
        const seconds = Number(process.env.BENCH_ATTR_LONG_S ?? 60);
        log(`  variant no-audit: heap over calls on one legacy session for up to ${seconds} s`);
        const legacy = await connectLegacy('no-audit legacy session', gateway.mcpUrl, `deployments.${tool}`, {}, token);
        try {
          long = await heapOverCalls(gateway, legacy, {
            client: 'legacy',
            calls: Number(process.env.BENCH_LONG_CALLS ?? 200_000),
            concurrency: Number(process.env.BENCH_LONG_CONCURRENCY ?? 16),
            sampleEvery: 5000,
            maxSeconds: seconds,
            log,
          });
        } finally {
          await legacy.close();
        }
      }
      variants.push({
        variant,
        ...c1,
        ...(long ? { long } : {}),
        sustained: {
          callsPerSecond: run.callsPerSecond,
          errors: run.errors,
          cpuUsPerCall: run.cpuUsPerCall,
          otherLoadCores: run.otherLoadCores,
        },
        ...(profile ? { profile } : {}),
        ...(monitored
          ? {
              auditRoundTrips: {
                concurrency1: roundTrips(c1Store.timings),
                sustained: roundTrips(sustainedStore.timings),
              },
              storeCommands: { concurrency1: c1Store.counts, sustained: sustainedStore.counts },
            }
          : {}),
      });
      await caller.close();
    } finally {
      await gateway.stop();
    }
  }
  log('  in-process micro-benchmarks of the MCP hop');
  const micro = await runMicro(Number(process.env.BENCH_MICRO_N ?? 3000));
  log('  audit store probe: driver round trips to FerretDB without the gateway');
  const auditProbe = await probeAuditStore(ferret.uri);
  log('  audit store probe: outcome update cost against collection size');
  const updateScaling = await probeUpdateScaling(ferret.uri);
  return {
    settings: { n, seconds, concurrency },
    variants,
    auditProbe,
    updateScaling,
    micro,
    report: `${report(variants, concurrency, auditProbe, updateScaling)}\n\n${formatMicro(micro)}`,
  };
}

function report(variants: VariantResult[], concurrency: number, probe: AuditProbe, scaling: UpdateScaling[]): string {
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
