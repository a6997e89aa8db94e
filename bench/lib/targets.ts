// The BRIEF's targets as PASS/MISS lines: latency, throughput and CPU for both kinds of peers
// (SDK peers, parts 1–4; lean peers, part 7), then the heap targets.
import type { LeanPeersResult } from './leanPeers.ts';
import type { LongRun, SustainedRun } from './measure.ts';
import { f, type TargetLine } from './report.ts';
import { SETTINGS, TARGETS } from './settings.ts';

interface TargetInputs {
  c1: { addedP50Ms: number; addedP99Ms: number };
  sustainedGateway: SustainedRun;
  lean: LeanPeersResult;
  sessions: { count: number; mbPer1000: number };
  long: LongRun;
}

/** The four per-call targets for one pair of peers; `prefix` names which. */
function perCallTargets(prefix: string, c1: TargetInputs['c1'], run: SustainedRun): TargetLine[] {
  return [
    {
      target: `${prefix}added p50 at concurrency 1 ≤ ${TARGETS.addedP50Ms} ms`,
      value: `${f(c1.addedP50Ms)} ms`,
      pass: c1.addedP50Ms <= TARGETS.addedP50Ms,
    },
    {
      target: `${prefix}added p99 at concurrency 1 ≤ ${TARGETS.addedP99Ms} ms`,
      value: `${f(c1.addedP99Ms)} ms`,
      pass: c1.addedP99Ms <= TARGETS.addedP99Ms,
    },
    {
      target: `${prefix}≥ ${TARGETS.callsPerSecond} calls/s sustained, zero errors`,
      value: `${f(run.callsPerSecond, 0)} calls/s, ${run.errors} errors`,
      pass: run.callsPerSecond >= TARGETS.callsPerSecond && run.errors === 0,
    },
    {
      target: `${prefix}gateway CPU ≤ ${TARGETS.cpuUsPerCall} µs per call`,
      value: `${f(run.cpuUsPerCall.gateway, 0)} µs`,
      pass: run.cpuUsPerCall.gateway <= TARGETS.cpuUsPerCall,
    },
  ];
}

export function targetLines({ c1, sustainedGateway, lean, sessions, long }: TargetInputs): TargetLine[] {
  return [
    ...perCallTargets('', c1, sustainedGateway),
    ...perCallTargets('lean peers: ', lean.latencyC1, lean.sustainedGateway),
    {
      target: `≤ ${TARGETS.heapMbPer1000Sessions} MB heap per 1,000 idle sessions`,
      value: `${f(sessions.mbPer1000)} MB`,
      pass: sessions.count === SETTINGS.sessions && sessions.mbPer1000 <= TARGETS.heapMbPer1000Sessions,
    },
    {
      target: `heap flat over ${SETTINGS.longCalls} calls on one session (growth ≤ ${TARGETS.flatHeapMb} MB)`,
      value: `${f(long.growthMb)} MB over ${long.calls} calls (slope ${f(long.slopeMbPer100k)} MB/100k), ${long.errors} errors${long.stoppedEarly ? ', stopped early' : ''}`,
      pass: long.calls >= SETTINGS.longCalls && long.errors === 0 && long.growthMb <= TARGETS.flatHeapMb,
    },
  ];
}
