// The per-call components the identity and policy layers add, measured in-process and printed after
// the gateway-vs-direct run of `npm run bench`: the Cedar decision (preparsed policy set, with and
// without the decision cache) and agent-session token verification (cold and from the verified-token
// cache). Figures are appended to .bench/components.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { benchSessionTokenVerify } from './identityBench.ts';
import { machineInfo } from './lib/machine.ts';
import { waitForQuietMachine } from './lib/measure.ts';
import { log } from './lib/phases.ts';
import { benchPolicy } from './policyBench.ts';

const iterations = Number(process.env['BENCH_COMPONENT_ITERATIONS'] ?? 20_000);
// Run right after the gateway-vs-direct part: let its stores and children settle first, or the
// p99 measures their shutdown rather than Cedar.
await waitForQuietMachine(log);
const { jsonRoundTripUs } = machineInfo();
const policy = await benchPolicy(iterations);
const tokens = await benchSessionTokenVerify(iterations);
const verdict = (value: number, target: number) => (value <= target ? 'PASS' : 'MISS');
const us = (value: number) => `${value.toFixed(1)} µs`;

const lines = [
  '',
  `Components (${iterations} iterations each, in-process; JSON round trip ${jsonRoundTripUs} µs)`,
  `  Cedar decision, Cedar evaluated every time (call + callWithoutApproval): p50 ${us(policy.p50Us)}, p99 ${us(policy.p99Us)}`,
  `  Cedar decision as configured (decision cache on):                      p50 ${us(policy.cached.p50Us)}, p99 ${us(policy.cached.p99Us)}`,
  `  agent-session token verify, first sight (ES256 signature):             p50 ${us(tokens.coldP50Us)}, p99 ${us(tokens.coldP99Us)}`,
  `  agent-session token verify, verified-token cache:                      p50 ${us(tokens.cachedP50Us)}, p99 ${us(tokens.cachedP99Us)}`,
  '',
  'component targets:',
  `  ${verdict(policy.p99Us, 150)}  Cedar decision p99 ≤ 150 µs, evaluated every time     ${us(policy.p99Us)}`,
  `  ${verdict(policy.cached.p99Us, 150)}  Cedar decision p99 ≤ 150 µs, as configured         ${us(policy.cached.p99Us)}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
await mkdir('.bench', { recursive: true });
await writeFile(
  '.bench/components.json',
  `${JSON.stringify({ date: new Date().toISOString(), iterations, jsonRoundTripUs, policy, tokens }, null, 2)}\n`,
);
