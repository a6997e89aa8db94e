// Part 7: the gateway between lean peers. The SDK-based load generator and example upstream cost
// more CPU per call than the gateway's whole budget; on two cores they decide the throughput of
// both the direct and the gateway runs. Here the agent is the raw caller (bench/lib/rawCaller.ts)
// and the upstream the lean echo server (bench/upstreams/leanEcho.ts), so the figures are the
// gateway's own: latency added at c=1, sustained calls/s at c=64 and CPU per call of each process.
import type { GatewayVariant } from '../gatewayProcess.ts';
import { gatewayConfigText, grantConsent, type BenchIdentity } from './identity.ts';
import { startUpstream, type FerretChild } from './children.ts';
import { startGatewayChild } from './gatewayChild.ts';
import { runFixed, summarize, type LatencySummary } from './load.ts';
import { profiledRun, sustained, waitForQuietMachine, type SustainedRun } from './measure.ts';
import { formatSummary } from '../profileSummary.ts';
import { connectRaw } from './rawCaller.ts';

export interface LeanPeersResult {
  latencyC1: { direct: LatencySummary; gateway: LatencySummary; addedP50Ms: number; addedP99Ms: number };
  sustainedGateway: SustainedRun;
  sustainedDirect: SustainedRun;
  /** With BENCH_LEAN_PROFILE=<file.cpuprofile>: the summary of a profiled sustained run. */
  profile?: string;
}

export interface LeanPeersOptions {
  ferret: FerretChild;
  identity: BenchIdentity;
  n: number;
  warmup: number;
  seconds: number;
  concurrency: number;
  log: (message: string) => void;
}

export async function runLeanPeers(options: LeanPeersOptions): Promise<LeanPeersResult> {
  const { log } = options;
  log('lean peers: starting the echo upstream and a gateway in front of it');
  const upstream = await startUpstream('bench/upstreams/leanEcho.ts');
  const gateway = await startGatewayChild({
    // BENCH_LEAN_VARIANT=no-audit|monitored: the same run against an attribution variant.
    variant: (process.env.BENCH_LEAN_VARIANT ?? 'full') as GatewayVariant,
    configText: gatewayConfigText({
      identity: options.identity,
      upstreamUrl: upstream.url,
      database: 'countersign_bench_lean',
    }),
    upstreamUrl: upstream.url,
    mongoUri: options.ferret.uri,
    logLevel: process.env.LOG_LEVEL ?? 'info',
  });
  try {
    const token = await grantConsent(options.identity, gateway.baseUrl, 'bench-lean-agent');
    const direct = connectRaw('direct (lean)', upstream.url, 'echo', {});
    const viaGateway = connectRaw('gateway (lean)', gateway.mcpUrl, 'deployments.echo', {}, token);
    for (const caller of [direct, viaGateway]) {
      if (!(await caller.call())) throw new Error(`${caller.label}: sanity call failed: ${caller.lastError()}`);
    }
    await waitForQuietMachine(log);
    log(`lean peers: latency at concurrency 1, ${options.warmup} warm-up + ${options.n} calls each way`);
    const c1 = async (caller: typeof direct): Promise<LatencySummary> => {
      await runFixed(caller, options.warmup, 1);
      const run = await runFixed(caller, options.n, 1);
      if (run.errors > 0) log(`  ${caller.label}: ${run.errors} errors, first: ${run.firstError}`);
      return summarize(run.latencies);
    };
    const directC1 = await c1(direct);
    const gatewayC1 = await c1(viaGateway);
    log(`lean peers: sustained ${options.seconds} s at concurrency ${options.concurrency}, gateway then direct`);
    const pids = { upstreamPid: upstream.pid, ferretPid: options.ferret.pid };
    const sustainedGateway = await sustained(viaGateway, options.seconds, options.concurrency, { ...pids, gateway });
    const sustainedDirect = await sustained(direct, options.seconds, options.concurrency, pids);
    let profile: string | undefined;
    if (process.env.BENCH_LEAN_PROFILE) {
      // A separate run, not counted above: the profiler's own cost would skew the figures.
      const file = process.env.BENCH_LEAN_PROFILE;
      const summary = await profiledRun(gateway, viaGateway, options.seconds, options.concurrency, file);
      profile = formatSummary(summary, 'gateway CPU profile, lean peers', sustainedGateway.cpuUsPerCall.gateway);
    }
    await direct.close();
    await viaGateway.close();
    return {
      ...(profile ? { profile } : {}),
      latencyC1: {
        direct: directC1,
        gateway: gatewayC1,
        addedP50Ms: gatewayC1.p50 - directC1.p50,
        addedP99Ms: gatewayC1.p99 - directC1.p99,
      },
      sustainedGateway,
      sustainedDirect,
    };
  } finally {
    await gateway.stop();
    await upstream.stop();
  }
}
