// Agent-session token verification, the one piece of authentication on every call's hot path:
// cold (a token seen for the first time: ES256 signature + claims) against cached (SHA-256 of the
// token, an LRU lookup and the expiry check). Run alone: `npx tsx bench/identityBench.ts [iterations]`.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GatewayKeys } from '../gateway/identity/gatewayKeys.ts';
import { SessionTokenService } from '../gateway/identity/sessionTokens.ts';

export interface SessionTokenVerifyBench {
  coldP50Us: number;
  coldP99Us: number;
  cachedP50Us: number;
  cachedP99Us: number;
}

function percentileUs(samplesNs: Float64Array, q: number): number {
  const sorted = Float64Array.from(samplesNs).sort();
  const index = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? 0) / 10) / 100;
}

async function timeEach(tokens: string[], verify: (token: string) => Promise<unknown>): Promise<Float64Array> {
  const samples = new Float64Array(tokens.length);
  for (const [index, token] of tokens.entries()) {
    const start = process.hrtime.bigint();
    await verify(token);
    samples[index] = Number(process.hrtime.bigint() - start);
  }
  return samples;
}

export async function benchSessionTokenVerify(iterations = 20000): Promise<SessionTokenVerifyBench> {
  const dir = await mkdtemp(join(tmpdir(), 'countersign-identity-bench-'));
  try {
    const keys = await GatewayKeys.loadOrCreate(join(dir, 'gateway-signing-key.json'));
    const options = { issuer: 'http://127.0.0.1:7410', audience: 'http://127.0.0.1:7410/mcp', cacheSize: iterations };
    const service = new SessionTokenService(keys, options);
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const mint = (index: number): Promise<string> =>
      service.mint({
        human: 'ann@example.com',
        agent: 'claude-code',
        sessionId: `ses_${index}`,
        consentId: 'con_1',
        expiresAt,
      });
    const warmup = await Promise.all(
      Array.from({ length: Math.min(1000, iterations) }, (_, index) => mint(-index - 1)),
    );
    await timeEach(warmup, (token) => service.verify(token));
    await timeEach(warmup, (token) => service.verify(token));
    const tokens = await Promise.all(Array.from({ length: iterations }, (_, index) => mint(index)));
    const cold = await timeEach(tokens, (token) => service.verify(token)); // every token new: cache misses
    const cached = await timeEach(tokens, (token) => service.verify(token)); // the same tokens again: hits
    return {
      coldP50Us: percentileUs(cold, 0.5),
      coldP99Us: percentileUs(cold, 0.99),
      cachedP50Us: percentileUs(cached, 0.5),
      cachedP99Us: percentileUs(cached, 0.99),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const iterations = Number(process.argv[2] ?? 20000);
  console.log(JSON.stringify({ sessionTokenVerify: await benchSessionTokenVerify(iterations), iterations }, null, 2));
}
