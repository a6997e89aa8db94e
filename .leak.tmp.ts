import { pino } from 'pino';
import { PolicyEngine } from './gateway/policy/policyEngine.ts';
import { realisticCallInput } from './bench/policyBench.ts';
const engine = await PolicyEngine.load({ dir: 'policies', logger: pino({ level: 'silent' }) });
const input = realisticCallInput();
for (let round = 0; round < 6; round++) {
  const t = process.hrtime.bigint();
  const samples: number[] = [];
  for (let i = 0; i < 20000; i++) { input.human = { id: `u${round}-${i}`, groups: ['a'] }; const s = process.hrtime.bigint(); engine.decideCall(input); samples.push(Number(process.hrtime.bigint() - s) / 1000); }
  samples.sort((a, b) => a - b);
  const m = process.memoryUsage();
  console.log(round, 'mean', (Number(process.hrtime.bigint() - t) / 20000 / 1000).toFixed(1), 'p50', samples[10000]!.toFixed(1), 'p99', samples[19800]!.toFixed(1), 'p999', samples[19980]!.toFixed(1), 'rss', (m.rss / 1e6).toFixed(0), 'heap', (m.heapUsed / 1e6).toFixed(0), 'ab', (m.arrayBuffers / 1e6).toFixed(0));
}
