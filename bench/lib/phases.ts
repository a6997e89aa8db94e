// The measured phases of `npm run bench` that run.ts strings together: a latency pair (direct,
// then through the gateway), the audit histograms from /metrics, and the long heap run.
import path from 'node:path';
import type { GatewayChild } from './gatewayChild.ts';
import { connectLegacy, connectModern, runFixed, summarize, type Caller, type LatencySummary } from './load.ts';
import { heapOverCalls, type LongRun } from './measure.ts';
import { parseHistogram, scrape, type Histogram } from './promHistogram.ts';
import type { LatencyPair } from './report.ts';
import { SETTINGS } from './settings.ts';

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export async function latencyPair(direct: Caller, gateway: Caller, concurrency: number): Promise<LatencyPair> {
  const measure = async (caller: Caller): Promise<LatencySummary & { errors: number }> => {
    await runFixed(caller, SETTINGS.warmup, concurrency);
    const result = await runFixed(caller, SETTINGS.n, concurrency);
    if (result.errors > 0) log(`  ${caller.label}: ${result.errors} errors, first: ${result.firstError}`);
    return { ...summarize(result.latencies), errors: result.errors };
  };
  log(`latency at concurrency ${concurrency}: ${SETTINGS.warmup} warm-up + ${SETTINGS.n} calls each way`);
  const directSummary = await measure(direct);
  const gatewaySummary = await measure(gateway);
  return {
    concurrency,
    direct: directSummary,
    gateway: gatewaySummary,
    addedP50Ms: gatewaySummary.p50 - directSummary.p50,
    addedP99Ms: gatewaySummary.p99 - directSummary.p99,
  };
}

export async function auditHistograms(gateway: GatewayChild): Promise<{ latency: Histogram; size: Histogram }> {
  const text = await scrape(gateway.baseUrl);
  return {
    latency: parseHistogram(text, 'countersign_audit_batch_duration_seconds'),
    size: parseHistogram(text, 'countersign_audit_batch_size'),
  };
}

export async function longRun(gateway: GatewayChild, token: string, outDir: string): Promise<LongRun> {
  const tool = `deployments.${SETTINGS.tool}`;
  const connect = SETTINGS.longClient === 'legacy' ? connectLegacy : connectModern;
  const caller = await connect(
    `gateway (${SETTINGS.longClient} session)`,
    gateway.mcpUrl,
    tool,
    SETTINGS.arguments,
    token,
  );
  try {
    log(
      `long run: ${SETTINGS.longCalls} calls on one ${SETTINGS.longClient} client, concurrency ${SETTINGS.longConcurrency}, at most ${SETTINGS.longMaxSeconds} s`,
    );
    return await heapOverCalls(gateway, caller, {
      client: SETTINGS.longClient,
      calls: SETTINGS.longCalls,
      concurrency: SETTINGS.longConcurrency,
      sampleEvery: SETTINGS.longSampleEvery,
      maxSeconds: SETTINGS.longMaxSeconds,
      log,
      ...(process.env.BENCH_LONG_SNAPSHOTS ? { snapshots: path.join(outDir, 'long') } : {}),
    });
  } finally {
    await caller.close();
  }
}
