// `npm run bench -- --attribute`: what the gateway's added latency and CPU are made of. The same
// upstream and FerretDB serve four gateway variants in turn (see bench/gatewayProcess.ts):
//   sdk-proxy  - direct      = one more MCP-over-HTTP hop on the SDK (server side + client side)
//   no-audit   - sdk-proxy   = Countersign's endpoint, pipeline, metrics and logging
//   full       - no-audit    = the durable audit write (group-committed insert, outcome update)
//   monitored                = full with driver command monitoring: the audit round trips themselves
// Each variant also gets a CPU profile of a sustained run, summarised by package and function.
import path from 'node:path';
import { formatMicro, runMicro, type MicroResult } from '../micro.ts';
import type { ProfileSummary } from '../profileSummary.ts';
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
import { report } from './attributionReport.ts';
import type { FerretChild, UpstreamChild } from './children.ts';
import { startGatewayChild } from './gatewayChild.ts';
import { connectLegacy, connectModern, runFixed, summarize, type LatencySummary } from './load.ts';
import { gatewayConfigText, grantConsent, type BenchIdentity } from './identity.ts';
import type { GatewayVariant } from '../gatewayProcess.ts';
import { AUDIT_COLLECTION, AUDIT_OUTCOMES_COLLECTION } from '../../audit/auditStore.ts';

export interface VariantResult {
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

export interface RoundTrips {
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
