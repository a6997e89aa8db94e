// What `npm run bench` runs with: counts and durations (environment, see BENCHMARKS.md), the
// command-line switches, and the BRIEF's targets the figures are judged against.
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const num = (name: string, fallback: number, quickValue: number): number => {
  const raw = process.env[name];
  if (raw !== undefined && raw !== '') {
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
    return value;
  }
  return quick ? quickValue : fallback;
};

export const SETTINGS = {
  tool: 'list_deployments',
  arguments: {} as Record<string, unknown>,
  n: num('BENCH_N', 2000, 300),
  warmup: num('BENCH_WARMUP', 200, 100),
  concurrencyHigh: num('BENCH_CONCURRENCY_HIGH', 32, 32),
  sustainSeconds: num('BENCH_SUSTAIN_S', 10, 3),
  sustainConcurrency: num('BENCH_SUSTAIN_CONCURRENCY', 64, 64),
  sessions: num('BENCH_SESSIONS', 1000, 200),
  longCalls: num('BENCH_LONG_CALLS', 200_000, 20_000),
  longConcurrency: num('BENCH_LONG_CONCURRENCY', 16, 16),
  longClient: (process.env.BENCH_LONG_CLIENT ?? 'legacy') as 'legacy' | 'modern',
  longMaxSeconds: num('BENCH_LONG_MAX_S', 420, 60),
  longSampleEvery: num('BENCH_LONG_SAMPLE_EVERY', 10_000, 5_000),
  drainMaxSeconds: num('BENCH_DRAIN_MAX_S', 90, 30),
  profile: args.has('--profile'),
  attribute: args.has('--attribute'),
  attributeOnly: args.has('--attribute-only'),
  longOnly: args.has('--long-only'),
  leanOnly: args.has('--lean-only'),
  quick,
};

export const TARGETS = {
  addedP50Ms: 1,
  addedP99Ms: 5,
  callsPerSecond: 2000,
  cpuUsPerCall: 400,
  heapMbPer1000Sessions: 30,
  /** "Flat": heap after GC at the end of the long run within this much of its start. */
  flatHeapMb: 2,
};
