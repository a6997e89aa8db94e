// IdP (human) token verification: every way a token can be wrong is refused with its own code,
// with local key files (air-gapped) and with a JWKS URL served by a local HTTP server.

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { DevIdentityProvider } from '../../gateway/identity/devIdp.ts';
import { AuthError, type AuthErrorCode } from '../../gateway/identity/errors.ts';
import { HumanTokenVerifier, type IdpConfig } from '../../gateway/identity/humanTokens.ts';

const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'http://127.0.0.1:7410/mcp';
const now = (): number => Math.floor(Date.now() / 1000);
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

interface TestKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
}

async function testKey(kid: string, alg = 'RS256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, kid };
}

function claims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'ann',
    email: 'ann@example.com',
    name: 'Ann',
    groups: ['eng'],
    iat: now(),
    exp: now() + 600,
    ...overrides,
  };
}

function sign(key: TestKey, payload: JWTPayload, header: { alg?: string; kid?: string } = {}): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: header.alg ?? 'RS256', kid: header.kid ?? key.kid })
    .sign(key.privateKey);
}

/** Rejects with an AuthError of `code`, whose message never contains the token or its payload. */
async function rejects(verify: Promise<unknown>, code: AuthErrorCode, token: string): Promise<AuthError> {
  try {
    await verify;
  } catch (error) {
    assert.ok(error instanceof AuthError, `expected AuthError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (token) assert.ok(!error.message.includes(token), 'message echoes the token');
    const payload = token.split('.')[1];
    if (payload) assert.ok(!error.message.includes(payload), 'message echoes the payload');
    return error;
  }
  assert.fail(`expected ${code}, but the token was accepted`);
}

let dir: string;
let trusted: TestKey;
let attacker: TestKey;
let verifier: HumanTokenVerifier;
const baseConfig = (extra: Partial<IdpConfig> = {}): IdpConfig => ({
  issuer: ISSUER,
  audience: AUDIENCE,
  publicKeyFiles: ['idp-jwks.json'],
  algorithms: ['RS256', 'ES256', 'EdDSA'],
  clockToleranceSeconds: 30,
  groupsClaim: 'groups',
  ...extra,
});

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'countersign-identity-'));
  trusted = await testKey('idp-1');
  attacker = await testKey('attacker');
  await writeFile(join(dir, 'idp-jwks.json'), JSON.stringify({ keys: [trusted.publicJwk] }));
  verifier = await HumanTokenVerifier.create(baseConfig(), dir);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('HumanTokenVerifier with local key files', () => {
  it('accepts a valid token and returns who the human is', async () => {
    const identity = await verifier.verify(await sign(trusted, claims()));
    assert.deepEqual(identity, {
      subject: 'ann',
      email: 'ann@example.com',
      name: 'Ann',
      groups: ['eng'],
      issuer: ISSUER,
      expiresAt: identity.expiresAt,
    });
    assert.ok(identity.expiresAt > now());
  });

  it('refuses a token for another audience', async () => {
    const token = await sign(trusted, claims({ aud: 'https://other-service.example.com' }));
    const error = await rejects(verifier.verify(token), 'TOKEN_WRONG_AUDIENCE', token);
    assert.equal(error.status, 401);
  });

  it('refuses an expired token, but tolerates small clock skew', async () => {
    const expired = await sign(trusted, claims({ iat: now() - 3600, exp: now() - 120 }));
    await rejects(verifier.verify(expired), 'TOKEN_EXPIRED', expired);
    const skewed = await sign(trusted, claims({ iat: now() - 3600, exp: now() - 10 }));
    assert.equal((await verifier.verify(skewed)).subject, 'ann');
  });

  it('refuses a token without exp', async () => {
    const { exp: _exp, ...payload } = claims();
    const token = await sign(trusted, payload);
    await rejects(verifier.verify(token), 'TOKEN_NO_EXPIRY', token);
  });

  it("refuses alg 'none' (an unsigned token crafted by hand)", async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`;
    await rejects(verifier.verify(token), 'TOKEN_ALG_NOT_ALLOWED', token);
    const withKid = `${b64({ alg: 'none', kid: 'idp-1' })}.${b64(claims())}.`;
    await rejects(verifier.verify(withKid), 'TOKEN_ALG_NOT_ALLOWED', withKid);
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(trusted.publicJwk));
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'idp-1' }).sign(secret);
    await rejects(verifier.verify(token), 'TOKEN_ALG_NOT_ALLOWED', token);
  });

  it('refuses a token signed by an unknown key', async () => {
    const token = await sign(attacker, claims());
    await rejects(verifier.verify(token), 'TOKEN_UNKNOWN_KEY', token);
  });

  it("refuses a token signed by another key that claims the IdP's kid", async () => {
    const token = await sign(attacker, claims(), { kid: 'idp-1' });
    await rejects(verifier.verify(token), 'TOKEN_BAD_SIGNATURE', token);
  });

  it('refuses a token from another issuer, even one signed with a trusted key', async () => {
    const token = await sign(trusted, claims({ iss: 'https://evil.example.com/' }));
    await rejects(verifier.verify(token), 'TOKEN_WRONG_ISSUER', token);
  });

  it('refuses a token whose payload was tampered with', async () => {
    const [header, , signature] = (await sign(trusted, claims())).split('.');
    const token = `${header}.${b64(claims({ sub: 'admin', groups: ['security-admins'] }))}.${signature}`;
    await rejects(verifier.verify(token), 'TOKEN_BAD_SIGNATURE', token);
  });

  it('refuses garbage and a missing token', async () => {
    await rejects(verifier.verify('not-a-jwt'), 'TOKEN_MALFORMED', 'not-a-jwt');
    const twoParts = `${b64({ alg: 'RS256', kid: 'idp-1' })}.${b64(claims())}`;
    await rejects(verifier.verify(twoParts), 'TOKEN_MALFORMED', twoParts);
    await rejects(verifier.verify(''), 'TOKEN_MISSING', '');
  });

  it('refuses a token without a subject', async () => {
    const { sub: _sub, ...payload } = claims();
    const token = await sign(trusted, payload);
    await rejects(verifier.verify(token), 'TOKEN_INVALID_CLAIMS', token);
  });

  it('accepts any of several audiences, and reads groups from a nested claim', async () => {
    const multi = await HumanTokenVerifier.create(
      baseConfig({ audience: ['api://countersign', AUDIENCE], groupsClaim: 'realm_access.roles' }),
      dir,
    );
    const token = await sign(trusted, claims({ aud: 'api://countersign', realm_access: { roles: ['approvers'] } }));
    assert.deepEqual((await multi.verify(token)).groups, ['approvers']);
  });

  it('reads PEM public keys (no kid) and checks an ES256 signature against them', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await writeFile(join(dir, 'idp.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const pemVerifier = await HumanTokenVerifier.create(baseConfig({ publicKeyFiles: ['idp.pem'] }), dir);
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: 'rotating-1' }).sign(privateKey);
    assert.equal((await pemVerifier.verify(token)).subject, 'ann');
    const rsaToken = await sign(trusted, claims());
    await rejects(pemVerifier.verify(rsaToken), 'TOKEN_UNKNOWN_KEY', rsaToken);
  });
});

describe('HumanTokenVerifier configuration', () => {
  const refused = async (config: IdpConfig, pattern: RegExp): Promise<void> => {
    await assert.rejects(HumanTokenVerifier.create(config, dir), pattern);
  };

  it("refuses 'none', HMAC and unknown algorithms in the allowlist", async () => {
    await refused(baseConfig({ algorithms: ['RS256', 'none'] }), /'none'.*never allowed/);
    await refused(baseConfig({ algorithms: ['HS256'] }), /shared-secret/);
    await refused(baseConfig({ algorithms: ['XX999'] }), /not supported/);
  });

  it('refuses to run without keys, or with keys fetched over plain http from another host', async () => {
    await refused(baseConfig({ publicKeyFiles: [] }), /set jwksUrl or publicKeyFiles/);
    await refused(baseConfig({ publicKeyFiles: undefined, jwksUrl: 'http://idp.example.com/jwks' }), /must use https/);
  });

  it('refuses private, symmetric, unreadable or unusable key files, naming the file', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    await writeFile(join(dir, 'private.json'), JSON.stringify(await exportJWK(privateKey)));
    await refused(baseConfig({ publicKeyFiles: ['private.json'] }), /private\.json.*private key material/);
    await writeFile(join(dir, 'oct.json'), JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }));
    await refused(baseConfig({ publicKeyFiles: ['oct.json'] }), /oct\.json.*symmetric/);
    await refused(baseConfig({ publicKeyFiles: ['missing.json'] }), /missing\.json.*ENOENT/);
    await refused(baseConfig({ algorithms: ['ES256'] }), /cannot verify any allowed algorithm/);
  });
});

describe('HumanTokenVerifier with a JWKS URL', () => {
  let server: Server;
  let jwksUrl: string;
  let fetches = 0;
  let failWith: number | undefined;

  before(async () => {
    server = createServer((_req, res) => {
      fetches += 1;
      if (failWith !== undefined) {
        res.writeHead(failWith).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [trusted.publicJwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const remoteConfig = (url: string): IdpConfig => baseConfig({ publicKeyFiles: undefined, jwksUrl: url });

  it('verifies against the fetched keys, caches them, and refuses unknown keys and bad claims', async () => {
    const remote = await HumanTokenVerifier.create(remoteConfig(jwksUrl), dir);
    assert.equal((await remote.verify(await sign(trusted, claims()))).subject, 'ann');
    assert.equal((await remote.verify(await sign(trusted, claims({ sub: 'bob' })))).subject, 'bob');
    assert.equal(fetches, 1, 'the JWKS is fetched once, then cached');
    const unknown = await sign(attacker, claims());
    await rejects(remote.verify(unknown), 'TOKEN_UNKNOWN_KEY', unknown);
    assert.equal(fetches, 1, 'an unknown kid does not re-fetch within the cooldown');
    const wrongAudience = await sign(trusted, claims({ aud: 'https://elsewhere' }));
    await rejects(remote.verify(wrongAudience), 'TOKEN_WRONG_AUDIENCE', wrongAudience);
    const none = `${b64({ alg: 'none' })}.${b64(claims())}.`;
    await rejects(remote.verify(none), 'TOKEN_ALG_NOT_ALLOWED', none);
  });

  it('fails closed with IDP_UNAVAILABLE (503) when the IdP answers with an error', async () => {
    failWith = 500;
    try {
      const remote = await HumanTokenVerifier.create(remoteConfig(jwksUrl), dir);
      const token = await sign(trusted, claims());
      const error = await rejects(remote.verify(token), 'IDP_UNAVAILABLE', token);
      assert.equal(error.status, 503);
    } finally {
      failWith = undefined;
    }
  });

  it('fails closed with IDP_UNAVAILABLE (503) when the IdP is down', async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const port = (down.address() as AddressInfo).port;
    await new Promise<void>((resolve) => down.close(() => resolve()));
    const remote = await HumanTokenVerifier.create(remoteConfig(`http://127.0.0.1:${port}/jwks`), dir);
    const token = await sign(trusted, claims());
    const error = await rejects(remote.verify(token), 'IDP_UNAVAILABLE', token);
    assert.equal(error.status, 503);
    assert.match(error.message, /ECONNREFUSED/);
  });
});

describe('DevIdentityProvider', () => {
  it('keeps its key across restarts, and its tokens pass the same verification as a real IdP', async () => {
    const devDir = join(dir, 'dev-idp');
    const idp = await DevIdentityProvider.loadOrCreate(devDir, { issuer: 'http://127.0.0.1:7410/dev-idp' });
    const again = await DevIdentityProvider.loadOrCreate(devDir, { issuer: 'http://127.0.0.1:7410/dev-idp' });
    assert.equal((await stat(join(devDir, 'idp-signing-key.json'))).mode & 0o777, 0o600);
    const devVerifier = await HumanTokenVerifier.create(
      baseConfig({ issuer: idp.issuer, publicKeyFiles: [idp.publicKeyFile] }),
      dir,
    );
    const token = await again.issueHumanToken({
      subject: 'ann',
      audience: AUDIENCE,
      groups: ['approvers'],
      email: 'ann@example.com',
    });
    const identity = await devVerifier.verify(token);
    assert.deepEqual(
      [identity.subject, identity.groups, identity.email, identity.issuer],
      ['ann', ['approvers'], 'ann@example.com', 'http://127.0.0.1:7410/dev-idp'],
    );
    const otherAudience = await idp.issueHumanToken({ subject: 'ann', audience: 'https://elsewhere' });
    await rejects(devVerifier.verify(otherAudience), 'TOKEN_WRONG_AUDIENCE', otherAudience);
  });
});
