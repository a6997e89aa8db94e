// A local identity provider for `countersign dev`, tests and air-gapped demos: an RS256 key pair
// in the data directory (private JWK 0600, public JWKS `idp-jwks.json`) that signs human tokens.
// The gateway verifies them exactly like a real IdP's tokens (publicKeyFiles: [publicKeyFile]);
// nothing about identity checking is relaxed for it.

import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { importJWK, SignJWT, type CryptoKey } from 'jose';
import { loadOrCreatePrivateJwk, publicJwkOf, writeFileAtomic } from './keyStore.ts';

const ALG = 'RS256';
export const DEV_IDP_DEFAULT_ISSUER = 'urn:countersign:dev-idp';
const PRIVATE_KEY_FILE = 'idp-signing-key.json';
const PUBLIC_KEY_FILE = 'idp-jwks.json';

export interface HumanTokenRequest {
  subject: string;
  audience: string;
  groups?: string[];
  email?: string;
  /** Default 3600. */
  ttlSeconds?: number;
}

export class DevIdentityProvider {
  private constructor(
    readonly issuer: string,
    readonly publicKeyFile: string,
    private readonly kid: string,
    private readonly privateKey: CryptoKey,
  ) {}

  static async loadOrCreate(dir: string, options: { issuer?: string } = {}): Promise<DevIdentityProvider> {
    const privateJwk = await loadOrCreatePrivateJwk(join(dir, PRIVATE_KEY_FILE), ALG);
    const publicJwk = await publicJwkOf(privateJwk, ALG);
    const publicKeyFile = join(dir, PUBLIC_KEY_FILE);
    const jwks = `${JSON.stringify({ keys: [publicJwk] }, null, 2)}\n`;
    const current = await readFile(publicKeyFile, 'utf8').catch(() => undefined);
    if (current !== jwks) await writeFileAtomic(publicKeyFile, jwks, 0o644);
    const privateKey = (await importJWK({ ...privateJwk, alg: ALG }, ALG)) as CryptoKey;
    return new DevIdentityProvider(
      options.issuer ?? DEV_IDP_DEFAULT_ISSUER,
      publicKeyFile,
      publicJwk.kid as string,
      privateKey,
    );
  }

  async issueHumanToken(request: HumanTokenRequest): Promise<string> {
    const { subject, audience, groups = [], email, ttlSeconds = 3600 } = request;
    if (!subject) throw new Error('dev IdP: subject is required');
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)
      throw new Error('dev IdP: ttlSeconds must be a positive integer');
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ groups, ...(email === undefined ? {} : { email }) })
      .setProtectedHeader({ alg: ALG, kid: this.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(subject)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .setJti(randomUUID())
      .sign(this.privateKey);
  }
}
