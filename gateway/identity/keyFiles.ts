// Public verification keys from files, for IdPs the gateway cannot (or must not) fetch keys from.
// A file may hold a JWK, a JWKS, or PEM blocks (SPKI "PUBLIC KEY", PKCS#1 "RSA PUBLIC KEY" or an
// X.509 "CERTIFICATE"). Everything becomes a public JWK. Private and symmetric keys are refused:
// a private key has no business on the gateway, and a shared secret would let anyone holding it
// (or tricking the gateway into HMAC) forge identities.

import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { JWK } from 'jose';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'] as const;
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Which key type (and curve) each accepted algorithm needs. */
const KEY_FOR_ALG: Record<string, { kty: string; crv?: string[] }> = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: ['P-256'] },
  ES384: { kty: 'EC', crv: ['P-384'] },
  ES512: { kty: 'EC', crv: ['P-521'] },
  EdDSA: { kty: 'OKP', crv: ['Ed25519', 'Ed448'] },
  Ed25519: { kty: 'OKP', crv: ['Ed25519'] },
};

/** Asymmetric signature algorithms the gateway can be told to accept ('none' and HS* never). */
export const SUPPORTED_ALGORITHMS: readonly string[] = Object.keys(KEY_FOR_ALG);

/** Whether `jwk` may verify a signature made with `alg` (and, if the token names one, `kid`). */
export function keyMatches(jwk: JWK, alg: string, kid: string | undefined): boolean {
  const needed = KEY_FOR_ALG[alg];
  if (!needed || jwk.kty !== needed.kty) return false;
  if (needed.crv && (jwk.crv === undefined || !needed.crv.includes(jwk.crv))) return false;
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) return false;
  // A key without a kid (typical for PEM files) may verify any token; otherwise kids must agree.
  return kid === undefined || jwk.kid === undefined || jwk.kid === kid;
}

function publicJwk(value: unknown, where: string): JWK {
  if (typeof value !== 'object' || value === null || typeof (value as JWK).kty !== 'string') {
    throw new Error(`${where}: not a JWK (an object with 'kty')`);
  }
  const jwk = value as JWK;
  if (jwk.kty === 'oct')
    throw new Error(`${where}: symmetric ('oct') keys are not accepted; give the IdP's public key`);
  const privateMember = PRIVATE_MEMBERS.find((member) => member in jwk);
  if (privateMember !== undefined) {
    throw new Error(`${where}: contains private key material ('${privateMember}'); give only the public key`);
  }
  return jwk;
}

function pemKeys(text: string, where: string): JWK[] {
  const keys: JWK[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const [block, label] = match;
    if (label !== 'PUBLIC KEY' && label !== 'RSA PUBLIC KEY' && label !== 'CERTIFICATE') {
      throw new Error(`${where}: PEM '${label}' is not accepted; give a PUBLIC KEY or CERTIFICATE`);
    }
    let key: KeyObject;
    try {
      key = label === 'CERTIFICATE' ? new X509Certificate(block).publicKey : createPublicKey(block);
    } catch (error) {
      throw new Error(`${where}: the PEM ${label} cannot be read (${(error as Error).message})`, { cause: error });
    }
    keys.push(publicJwk(key.export({ format: 'jwk' }), where));
  }
  if (keys.length === 0) throw new Error(`${where}: no PEM blocks found`);
  return keys;
}

/** Reads one key file (path relative to `baseDir`) into public JWKs; errors name the file. */
export async function readPublicKeyFile(file: string, baseDir: string): Promise<JWK[]> {
  const path = resolve(baseDir, file);
  const where = `public key file ${path}`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`${where}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      cause: error,
    });
  }
  if (text.includes('-----BEGIN ')) return pemKeys(text, where);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${where}: neither JSON (JWK or JWKS) nor PEM`);
  }
  if (typeof parsed === 'object' && parsed !== null && 'keys' in parsed) {
    const { keys } = parsed;
    if (!Array.isArray(keys) || keys.length === 0) throw new Error(`${where}: a JWKS needs a non-empty 'keys' array`);
    return keys.map((key, index) => publicJwk(key, `${where} keys[${index}]`));
  }
  return [publicJwk(parsed, where)];
}
