// Cedar decision latency: PolicyEngine.decideCall on the shipped policies with realistic input
// (a write inside consent during business hours: both `call` and `callWithoutApproval` are
// evaluated, the most expensive path), once with the decision cache off (every decision a Cedar
// evaluation) and once as the gateway runs it. Target: p99 ≤ 150 µs on this machine.
//
//   npx tsx bench/policyBench.ts [iterations]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { PolicyEngine } from '../gateway/policy/policyEngine.ts';
import type { CallPolicyInput } from '../gateway/policy/types.ts';

const POLICY_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'policies');

export interface LatencyStats {
  p50Us: number;
  p99Us: number;
  meanUs: number;
}

/** Top level: every decision evaluated by Cedar (cache off). `cached`: as configured in the gateway. */
export interface PolicyBenchResult extends LatencyStats {
  cached: LatencyStats;
}

export function realisticCallInput(now = new Date('2025-06-04T10:15:00Z')): CallPolicyInput {
  return {
    human: { id: 'alice@example.com', groups: ['engineering', 'sre', 'oncall'] },
    agent: 'claude-code',
    session: 'sess_9f2c1a7e4b',
    tool: {
      name: 'incidents.close_incident',
      upstream: 'incidents',
      tier: 'write',
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    consent: {
      id: 'cns_01HZX4',
      toolPatterns: ['incidents.*', 'deployments.list_*'],
      maxTier: 'write',
      coversTool: true,
      reason: 'triage of INC-4211',
      ticket: 'INC-4211',
    },
    now,
    argumentSummary: { keys: ['incidentId', 'resolution', 'notify'], sizeBytes: 184 },
  };
}

export async function benchPolicy(iterations = 20_000): Promise<PolicyBenchResult> {
  const logger = pino({ level: 'silent' });
  // Every decision evaluated by Cedar: the decision cache turned off.
  const uncached = await measure(
    await PolicyEngine.load({ dir: POLICY_DIR, logger, decisionCacheEntries: 0 }),
    iterations,
  );
  // The gateway's configuration: repeated decisions come from the cache.
  const cached = await measure(await PolicyEngine.load({ dir: POLICY_DIR, logger }), iterations);
  return { ...uncached, cached };
}

async function measure(engine: PolicyEngine, iterations: number): Promise<LatencyStats> {
  try {
    const input = realisticCallInput();
    if (engine.decideCall(input).decision !== 'allow')
      throw new Error('bench input should be allowed by the shipped policies');
    const humans = ['alice@example.com', 'bob@example.com', 'carol@example.com'];
    const vary = (i: number): void => {
      input.human = { id: humans[i % humans.length] ?? 'alice@example.com', groups: ['engineering', 'sre', 'oncall'] };
      input.now = new Date(Date.UTC(2025, 5, 4, 10, 15, 0, i)); // a fresh clock reading per call
    };
    for (let i = 0; i < Math.min(2000, iterations); i += 1) {
      vary(i);
      engine.decideCall(input); // warm-up (JIT, wasm allocator)
    }
    const samples = new Float64Array(iterations);
    for (let i = 0; i < iterations; i += 1) {
      vary(i);
      const start = process.hrtime.bigint();
      engine.decideCall(input);
      samples[i] = Number(process.hrtime.bigint() - start) / 1000;
    }
    return stats(samples);
  } finally {
    engine.close();
  }
}

function stats(samples: Float64Array): LatencyStats {
  samples.sort();
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? Number.NaN;
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  return { p50Us: round(at(0.5)), p99Us: round(at(0.99)), meanUs: round(mean) };
}

const round = (value: number): number => Math.round(value * 10) / 10;

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const iterations = Number(process.argv[2] ?? 20_000);
  const result = await benchPolicy(iterations);
  const line = (stats: LatencyStats): string => `p50 ${stats.p50Us} µs, p99 ${stats.p99Us} µs, mean ${stats.meanUs} µs`;
  console.log(`Cedar decideCall, ${iterations} decisions each (target p99 ≤ 150 µs):`);
  console.log(`  evaluated (call + callWithoutApproval, preparsed): ${line(result)}`);
  console.log(`  as configured (repeated decisions from the cache):  ${line(result.cached)}`);
}
