// The gateway's signing key and agent-session tokens: the credential on every MCP request.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { AuthError, type AuthErrorCode } from '../../gateway/identity/errors.ts';
import { GatewayKeys } from '../../gateway/identity/gatewayKeys.ts';
import { SESSION_TOKEN_TYPE, SessionTokenService } from '../../gateway/identity/sessionTokens.ts';

const ISSUER = 'http://127.0.0.1:7410';
const AUDIENCE = 'http://127.0.0.1:7410/mcp';
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

async function rejects(verify: Promise<unknown>, code: AuthErrorCode, token: string): Promise<AuthError> {
  try {
    await verify;
  } catch (error) {
    assert.ok(error instanceof AuthError, `expected AuthError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.status, 401);
    if (token) assert.ok(!error.message.includes(token), 'message echoes the token');
    return error;
  }
  assert.fail(`expected ${code}, but the token was accepted`);
}

let dir: string;
let keyFile: string;
let keys: GatewayKeys;
let otherKeys: GatewayKeys;
let clockMs = Date.now();
const clock = (): number => clockMs;
const nowSeconds = (): number => Math.floor(clockMs / 1000);
let service: SessionTokenService;

const grant = (overrides: Partial<Parameters<SessionTokenService['mint']>[0]> = {}) => ({
  human: 'ann',
  agent: 'claude-code',
  sessionId: 'ses_1',
  consentId: 'con_1',
  expiresAt: nowSeconds() + 900,
  ...overrides,
});

/** Signs arbitrary claims with the gateway's own private key, bypassing every check in mint(). */
async function signRaw(payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const jwk = JSON.parse(await readFile(keyFile, 'utf8')) as JWK;
  const key = await importJWK(jwk, 'ES256');
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: keys.kid, typ: SESSION_TOKEN_TYPE, ...header })
    .sign(key);
}

const sessionPayload = (overrides: JWTPayload = {}): JWTPayload => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'ann',
  act: { sub: 'claude-code' },
  sid: 'ses_1',
  cid: 'con_1',
  jti: 'tok_1',
  iat: nowSeconds(),
  exp: nowSeconds() + 900,
  ...overrides,
});

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'countersign-session-'));
  keyFile = join(dir, 'keys', 'nested', 'gateway-signing-key.json');
  keys = await GatewayKeys.loadOrCreate(keyFile);
  otherKeys = await GatewayKeys.loadOrCreate(join(dir, 'other-key.json'));
  service = new SessionTokenService(keys, { issuer: ISSUER, audience: AUDIENCE, now: clock });
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('GatewayKeys', () => {
  it('creates the key file (and its folder) private to the owner, and reloads the same key', async () => {
    assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
    const reloaded = await GatewayKeys.loadOrCreate(keyFile);
    assert.equal(reloaded.kid, keys.kid);
    assert.notEqual(otherKeys.kid, keys.kid);
    const token = await keys.sign(
      { iss: ISSUER },
      { audience: AUDIENCE, subject: 'ann', expiresAt: nowSeconds() + 60 },
    );
    const payload = await reloaded.verifier()(token, { audience: AUDIENCE, issuer: ISSUER });
    assert.equal(payload.sub, 'ann');
  });

  it('publishes only public key members', () => {
    const { keys: published } = keys.jwks();
    assert.equal(published.length, 1);
    const [jwk] = published;
    assert.ok(jwk);
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])
      assert.ok(!(member in jwk), `jwks() exposes '${member}'`);
    assert.deepEqual([jwk.kty, jwk.crv, jwk.alg, jwk.use, jwk.kid], ['EC', 'P-256', 'ES256', 'sig', keys.kid]);
  });

  it('gives replicas racing to create the same key file one shared key', async () => {
    const file = join(dir, 'race', 'key.json');
    const racers = await Promise.all(Array.from({ length: 6 }, () => GatewayKeys.loadOrCreate(file)));
    assert.equal(new Set(racers.map((racer) => racer.kid)).size, 1);
  });

  it('refuses a key file that is not a private ES256 JWK', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const rsa = join(dir, 'rsa.json');
    await writeFile(rsa, JSON.stringify(await exportJWK(privateKey)));
    await assert.rejects(GatewayKeys.loadOrCreate(rsa), /rsa\.json must hold a private ES256 JWK/);
    const bad = join(dir, 'public-only.json');
    await writeFile(bad, JSON.stringify(keys.jwks().keys[0]));
    await assert.rejects(GatewayKeys.loadOrCreate(bad), /public-only\.json.*lacks d/);
  });
});

describe('SessionTokenService', () => {
  it('mints a token that verifies to the human, agent, session and consent', async () => {
    const token = await service.mint(grant());
    const claims = await service.verify(token);
    assert.deepEqual(
      [claims.human, claims.agent, claims.sessionId, claims.consentId],
      ['ann', 'claude-code', 'ses_1', 'con_1'],
    );
    assert.equal(claims.expiresAt, grant().expiresAt);
    assert.ok(claims.tokenId.length > 0);
    assert.ok(claims.issuedAt <= nowSeconds());
  });

  it('refuses a token for another audience or from another issuer', async () => {
    const token = await service.mint(grant());
    const elsewhere = new SessionTokenService(keys, { issuer: ISSUER, audience: 'https://other-gateway/mcp' });
    await rejects(elsewhere.verify(token), 'TOKEN_WRONG_AUDIENCE', token);
    const otherIssuer = new SessionTokenService(keys, { issuer: 'https://other-gateway', audience: AUDIENCE });
    await rejects(otherIssuer.verify(token), 'TOKEN_WRONG_ISSUER', token);
  });

  it('refuses an expired token and one without exp', async () => {
    const expired = await signRaw(sessionPayload({ iat: nowSeconds() - 600, exp: nowSeconds() - 60 }));
    await rejects(service.verify(expired), 'TOKEN_EXPIRED', expired);
    const { exp: _exp, ...payload } = sessionPayload();
    const forever = await signRaw(payload);
    await rejects(service.verify(forever), 'TOKEN_NO_EXPIRY', forever);
  });

  it("refuses alg 'none' (crafted by hand) and a token signed by another key", async () => {
    const none = `${b64({ alg: 'none', typ: SESSION_TOKEN_TYPE, kid: keys.kid })}.${b64(sessionPayload())}.`;
    await rejects(service.verify(none), 'TOKEN_ALG_NOT_ALLOWED', none);
    const foreign = await new SessionTokenService(otherKeys, { issuer: ISSUER, audience: AUDIENCE }).mint(grant());
    await rejects(service.verify(foreign), 'TOKEN_UNKNOWN_KEY', foreign);
    // Another key that claims this gateway's kid fails on the signature itself.
    const [, payload, signature] = foreign.split('.');
    const relabelled = `${b64({ alg: 'ES256', kid: keys.kid, typ: SESSION_TOKEN_TYPE })}.${payload}.${signature}`;
    await rejects(service.verify(relabelled), 'TOKEN_BAD_SIGNATURE', relabelled);
  });

  it('refuses a token whose payload was tampered with (another human, another session)', async () => {
    const [header, , signature] = (await service.mint(grant())).split('.');
    const token = `${header}.${b64(sessionPayload({ sub: 'bob', sid: 'ses_bob' }))}.${signature}`;
    await rejects(service.verify(token), 'TOKEN_BAD_SIGNATURE', token);
  });

  it('refuses gateway-signed tokens that lack sid, act or cid, or are another kind of token', async () => {
    for (const missing of ['sid', 'act', 'cid', 'jti']) {
      const { [missing]: _dropped, ...payload } = sessionPayload();
      const token = await signRaw(payload);
      const error = await rejects(service.verify(token), 'TOKEN_INVALID_CLAIMS', token);
      assert.match(error.message, new RegExp(missing === 'act' ? 'act\\.sub' : `'${missing}'`));
    }
    // e.g. a downstream assertion the gateway signed, replayed at the gateway: wrong 'typ'.
    const assertion = await keys.sign(
      { iss: ISSUER, act: { sub: 'claude-code' }, sid: 'ses_1', cid: 'con_1', jti: 'x' },
      { audience: AUDIENCE, subject: 'ann', expiresAt: nowSeconds() + 60, type: 'countersign-assertion+jwt' },
    );
    await rejects(service.verify(assertion), 'TOKEN_INVALID_CLAIMS', assertion);
  });

  it('refuses to mint an already-expired or incomplete token', async () => {
    await assert.rejects(service.mint(grant({ expiresAt: nowSeconds() - 1 })), /in the future/);
    await assert.rejects(service.mint(grant({ agent: '' })), /'agent'/);
  });
});

describe('SessionTokenService verified-token cache', () => {
  /** A service whose underlying JWT verifications are counted. */
  function countingService(cacheSize?: number): { service: SessionTokenService; verifications: () => number } {
    let count = 0;
    const counted = Object.create(keys) as GatewayKeys;
    counted.verifier = (options) => {
      const verify = keys.verifier(options);
      return (token, expected) => {
        count += 1;
        return verify(token, expected);
      };
    };
    return {
      service: new SessionTokenService(counted, {
        issuer: ISSUER,
        audience: AUDIENCE,
        now: clock,
        ...(cacheSize ? { cacheSize } : {}),
      }),
      verifications: () => count,
    };
  }

  it('returns the same claims from the cache without verifying the JWT again', async () => {
    const { service: cached, verifications } = countingService();
    const token = await cached.mint(grant());
    const first = await cached.verify(token);
    const second = await cached.verify(token);
    assert.equal(second, first);
    assert.equal(verifications(), 1);
    assert.ok(Object.isFrozen(first), 'cached claims cannot be altered by a caller');
  });

  it('still rejects a cached token once it has expired', async () => {
    const { service: cached, verifications } = countingService();
    const token = await cached.mint(grant({ expiresAt: nowSeconds() + 60 }));
    await cached.verify(token);
    const start = clockMs;
    try {
      clockMs += 60_000; // at exp, within the 5 s tolerance
      await cached.verify(token);
      clockMs += 6_000; // past exp + tolerance
      await rejects(cached.verify(token), 'TOKEN_EXPIRED', token);
      await rejects(cached.verify(token), 'TOKEN_EXPIRED', token);
      assert.equal(verifications(), 2, 'first expiry came from the cache; the evicted token was re-verified');
    } finally {
      clockMs = start;
    }
  });

  it('is bounded: the least recently used token is evicted', async () => {
    const { service: cached, verifications } = countingService(2);
    const [a, b, c] = await Promise.all(['s1', 's2', 's3'].map((sessionId) => cached.mint(grant({ sessionId }))));
    assert.ok(a && b && c);
    await cached.verify(a);
    await cached.verify(b);
    await cached.verify(a); // a is now the most recently used
    await cached.verify(c); // evicts b
    assert.equal(verifications(), 3);
    await cached.verify(a);
    assert.equal(verifications(), 3, 'a stayed cached');
    await cached.verify(b);
    assert.equal(verifications(), 4, 'b was evicted');
  });
});
