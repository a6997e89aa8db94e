// Measurement helpers shared by bench/run.ts and the attribution runs: CPU of every process in
// the bench, a sustained run with CPU per call, and a profiled sustained run.
import { readFile } from 'node:fs/promises';
import { summariseProfile, type CpuProfile, type ProfileSummary } from '../profileSummary.ts';
import type { GatewayChild } from './gatewayChild.ts';
import { machineBusyMicros, procCpuMicros } from './procCpu.ts';
import { runFixed, runFor, summarize, type Caller, type LatencySummary, type RunResult } from './load.ts';

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export interface CpuSample {
  gateway: number;
  upstream: number;
  ferret: number;
  loadGenerator: number;
  /** Every process on the machine (from /proc/stat), to see how much CPU others took meanwhile. */
  machine: number;
}

export interface ProcessIds {
  gateway?: GatewayChild;
  upstreamPid: number;
  ferretPid: number;
}

export async function cpuSample(pids: ProcessIds): Promise<CpuSample> {
  const gatewayCpu = pids.gateway
    ? (await pids.gateway.request<{ cpu: NodeJS.CpuUsage }>('stats')).cpu
    : { user: 0, system: 0 };
  const own = process.cpuUsage();
  return {
    gateway: gatewayCpu.user + gatewayCpu.system,
    upstream: await procCpuMicros(pids.upstreamPid),
    ferret: await procCpuMicros(pids.ferretPid),
    loadGenerator: own.user + own.system,
    machine: await machineBusyMicros(),
  };
}

export interface CpuPerCall {
  gateway: number;
  upstream: number;
  ferret: number;
  loadGenerator: number;
  /** The four processes above. */
  total: number;
  /** CPU other processes on the machine used meanwhile, per call (noise indicator). */
  otherProcesses: number;
}

export function cpuPerCall(before: CpuSample, after: CpuSample, calls: number): CpuPerCall {
  const per = (key: keyof CpuSample): number => (after[key] - before[key]) / calls;
  const result = {
    gateway: per('gateway'),
    upstream: per('upstream'),
    ferret: per('ferret'),
    loadGenerator: per('loadGenerator'),
  };
  const total = result.gateway + result.upstream + result.ferret + result.loadGenerator;
  return { ...result, total, otherProcesses: Math.max(0, per('machine') - total) };
}

export interface SustainedRun {
  calls: number;
  errors: number;
  firstError?: string;
  seconds: number;
  callsPerSecond: number;
  latency: LatencySummary;
  cpuUsPerCall: CpuPerCall;
  /** Cores' worth of CPU that processes outside the bench used during the run. */
  otherLoadCores: number;
}

export async function sustained(
  caller: Caller,
  seconds: number,
  concurrency: number,
  pids: ProcessIds,
): Promise<SustainedRun> {
  const before = await cpuSample(pids);
  const result: RunResult = await runFor(caller, seconds * 1000, concurrency);
  const after = await cpuSample(pids);
  if (result.errors > 0) log(`  ${caller.label}: ${result.errors} errors, first: ${result.firstError}`);
  return {
    calls: result.calls,
    errors: result.errors,
    ...(result.firstError !== undefined ? { firstError: result.firstError } : {}),
    seconds: result.elapsedMs / 1000,
    callsPerSecond: result.calls / (result.elapsedMs / 1000),
    latency: summarize(result.latencies),
    cpuUsPerCall: cpuPerCall(before, after, result.calls),
    otherLoadCores: (cpuPerCall(before, after, result.calls).otherProcesses * result.calls) / (result.elapsedMs * 1000),
  };
}

export async function profiledRun(
  gateway: GatewayChild,
  caller: Caller,
  seconds: number,
  concurrency: number,
  file: string,
): Promise<ProfileSummary> {
  await gateway.request('profile-start', { intervalUs: 500 });
  const result = await runFor(caller, seconds * 1000, concurrency);
  await gateway.request('profile-stop', { file });
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  return summariseProfile(profile, result.calls, INCLUSIVE_FUNCTIONS);
}

/** Functions whose synchronous inclusive CPU the profile summary reports. */
export const INCLUSIVE_FUNCTIONS = [
  'buildAgentFacingServer',
  'toWebRequest',
  'classifyEntryRequest',
  'serveModern',
  'invoke',
  'handle',
  'checkArguments',
  'canonicalHash',
  'redactArguments',
  'newAuditId',
  'recordDecision',
  'insertMany',
  'bulkWrite',
  'callTool',
  'writeHead',
  'child',
];

const MB = 1024 * 1024;

export async function heapMb(gateway: GatewayChild): Promise<{ heapUsedMb: number; rssMb: number }> {
  const { memory } = await gateway.request<{ memory: NodeJS.MemoryUsage }>('heap');
  return { heapUsedMb: memory.heapUsed / MB, rssMb: memory.rss / MB };
}

export interface LongRun {
  client: 'legacy' | 'modern';
  concurrency: number;
  requestedCalls: number;
  calls: number;
  errors: number;
  firstError?: string;
  seconds: number;
  callsPerSecond: number;
  stoppedEarly: string | null;
  samples: Array<{ calls: number; heapUsedMb: number; rssMb: number }>;
  /** Median of the last three samples minus median of the first three (heap after GC; one noisy sample does not decide). */
  growthMb: number;
  /** Least-squares slope of heap after GC against calls after the first chunk (one-time warm-up growth excluded), in MB per 100k calls. */
  slopeMbPer100k: number;
}

function median(samples: LongRun['samples']): number {
  const values = samples.map((sample) => sample.heapUsedMb).sort((a, b) => a - b);
  return values[Math.floor((values.length - 1) / 2)] ?? Number.NaN;
}

function slope(samples: LongRun['samples']): number {
  const n = samples.length;
  if (n < 2) return Number.NaN;
  const meanX = samples.reduce((sum, sample) => sum + sample.calls, 0) / n;
  const meanY = samples.reduce((sum, sample) => sum + sample.heapUsedMb, 0) / n;
  let numerator = 0;
  let denominator = 0;
  for (const sample of samples) {
    numerator += (sample.calls - meanX) * (sample.heapUsedMb - meanY);
    denominator += (sample.calls - meanX) ** 2;
  }
  return denominator ? (numerator / denominator) * 100_000 : Number.NaN;
}

/**
 * Many calls on one client (one session), with the gateway's heap after GC sampled every
 * `sampleEvery` calls. A 2,000-call warm-up comes first and is not counted. Stops early after
 * `maxSeconds`, or after `maxErrors` errors (the gateway refusing calls says nothing about its heap).
 */
export async function heapOverCalls(
  gateway: GatewayChild,
  caller: Caller,
  options: {
    /** Heap snapshots (after GC) of the gateway at the start and the end, written as `${snapshots}-start|end.heapsnapshot`. */
    snapshots?: string;
    client: 'legacy' | 'modern';
    calls: number;
    concurrency: number;
    sampleEvery: number;
    maxSeconds: number;
    maxErrors?: number;
    log?: (message: string) => void;
  },
): Promise<LongRun> {
  const maxErrors = options.maxErrors ?? 500;
  await runFixed(caller, 2000, options.concurrency, 60_000, maxErrors);
  const samples: LongRun['samples'] = [{ calls: 0, ...(await heapMb(gateway)) }];
  if (options.snapshots)
    await gateway.request('heap-snapshot', { file: `${options.snapshots}-start.heapsnapshot` }, 120_000);
  const started = performance.now();
  const deadline = started + options.maxSeconds * 1000;
  let calls = 0;
  let errors = 0;
  let firstError: string | undefined;
  let stoppedEarly: string | null = null;
  let lastLog = performance.now();
  while (calls < options.calls) {
    const left = deadline - performance.now();
    if (left <= 0) {
      stoppedEarly = `time cap of ${options.maxSeconds} s`;
      break;
    }
    const chunk = Math.min(options.sampleEvery, options.calls - calls);
    const result = await runFixed(caller, chunk, options.concurrency, left, maxErrors - errors);
    calls += result.calls;
    errors += result.errors;
    firstError ??= result.firstError;
    const sample = { calls, ...(await heapMb(gateway)) };
    samples.push(sample);
    if (performance.now() - lastLog > 10_000 || calls >= options.calls) {
      lastLog = performance.now();
      options.log?.(`  ${calls} calls: heap ${sample.heapUsedMb.toFixed(2)} MB after GC, ${errors} errors`);
    }
    if (errors >= maxErrors) {
      stoppedEarly = `${errors} errors (first: ${firstError ?? 'unknown'})`;
      break;
    }
    if (result.calls < chunk) {
      stoppedEarly = `time cap of ${options.maxSeconds} s`;
      break;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (options.snapshots)
    await gateway.request('heap-snapshot', { file: `${options.snapshots}-end.heapsnapshot` }, 120_000);
  return {
    client: options.client,
    concurrency: options.concurrency,
    requestedCalls: options.calls,
    calls,
    errors,
    ...(firstError !== undefined ? { firstError } : {}),
    seconds,
    callsPerSecond: calls / seconds,
    stoppedEarly,
    samples,
    growthMb: median(samples.slice(-3)) - median(samples.slice(0, 3)),
    slopeMbPer100k: slope(samples.length > 3 ? samples.slice(1) : samples),
  };
}

/**
 * Waits until the audit store's process is quiet (under `threshold` of a core over one second):
 * on FerretDB, outcome updates queued during a phase keep it busy long after the calls returned,
 * and the next phase would measure that backlog instead of the gateway. Returns the seconds waited.
 */
export async function waitForQuietStore(
  ferretPid: number,
  maxSeconds = 120,
  threshold = 0.1,
): Promise<{ seconds: number; quiet: boolean }> {
  const started = performance.now();
  let previous = await procCpuMicros(ferretPid);
  while ((performance.now() - started) / 1000 < maxSeconds) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = await procCpuMicros(ferretPid);
    if (now - previous < threshold * 1e6) return { seconds: (performance.now() - started) / 1000, quiet: true };
    previous = now;
  }
  return { seconds: (performance.now() - started) / 1000, quiet: false };
}

/**
 * Waits (up to `maxSeconds`) until processes outside the bench use under `maxCores` of CPU over two
 * seconds: a child still shutting down, a store draining its backlog, or someone else's build.
 */
export async function waitForQuietMachine(
  log: (message: string) => void,
  maxSeconds = 60,
  maxCores = 0.25,
): Promise<void> {
  const started = performance.now();
  let told = false;
  for (;;) {
    const machine0 = await machineBusyMicros();
    const own0 = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const own = process.cpuUsage(own0);
    const cores = (await machineBusyMicros()) - machine0 - own.user - own.system;
    if (cores / 2e6 < maxCores) return;
    if ((performance.now() - started) / 1000 > maxSeconds) {
      log(`  the machine is still busy (${(cores / 2e6).toFixed(2)} cores used by other processes); measuring anyway`);
      return;
    }
    if (!told) log(`  waiting for the machine to be quiet (${(cores / 2e6).toFixed(2)} cores used by other processes)`);
    told = true;
  }
}
