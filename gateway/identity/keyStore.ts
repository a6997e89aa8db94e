// Private signing keys kept as JWK files (mode 0600). Creation is race-free: the key is written to a
// private temp file and hard-linked into place, which fails if another process (a second replica on
// the same volume) got there first; the loser then reads the winner's key, so all sign alike.

import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export type SigningAlgorithm = 'ES256' | 'RS256';

const EXPECTED: Record<SigningAlgorithm, { kty: string; members: string[] }> = {
  ES256: { kty: 'EC', members: ['crv', 'x', 'y', 'd'] },
  RS256: { kty: 'RSA', members: ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] },
};

function tempPath(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`key file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      cause: error,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`key file ${file} is not JSON; expected a private JWK`);
  }
}

function checkPrivateJwk(value: unknown, file: string, alg: SigningAlgorithm): JWK {
  const { kty, members } = EXPECTED[alg];
  const jwk = value as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || jwk.kty !== kty) {
    throw new Error(`key file ${file} must hold a private ${alg} JWK (kty '${kty}')`);
  }
  const missing = members.filter((member) => typeof jwk[member] !== 'string');
  if (missing.length > 0) throw new Error(`key file ${file}: the private ${alg} JWK lacks ${missing.join(', ')}`);
  if (alg === 'ES256' && jwk.crv !== 'P-256') throw new Error(`key file ${file}: an ES256 key must be on curve P-256`);
  return value;
}

/** Writes `text` to `file` only if `file` does not exist yet; false if someone else created it first. */
async function createExclusive(file: string, text: string, mode: number): Promise<boolean> {
  const temp = tempPath(file);
  await writeFile(temp, text, { mode, flag: 'wx' });
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Replaces `file` atomically (readers see the old or the new content, never half of it). */
export async function writeFileAtomic(file: string, text: string, mode: number): Promise<void> {
  const temp = tempPath(file);
  await writeFile(temp, text, { mode, flag: 'wx' });
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** The public half of a key, with its kid (the RFC 7638 thumbprint: stable for the same key). */
export async function publicJwkOf(privateJwk: JWK, alg: SigningAlgorithm): Promise<JWK> {
  const { kty, crv, x, y, n, e } = privateJwk;
  const jwk: JWK = kty === 'EC' ? { kty, crv, x, y } : { kty, n, e };
  return { ...jwk, kid: privateJwk.kid ?? (await calculateJwkThumbprint(jwk)), alg, use: 'sig' };
}

/** Loads the private JWK at `file`, generating it (and its folder, 0700) if there is none. */
export async function loadOrCreatePrivateJwk(file: string, alg: SigningAlgorithm): Promise<JWK> {
  const existing = await readJson(file);
  if (existing !== undefined) return checkPrivateJwk(existing, file, alg);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const { kid } = await publicJwkOf(jwk, alg);
  const created: JWK = { ...jwk, kid, alg, use: 'sig' };
  if (await createExclusive(file, `${JSON.stringify(created, null, 2)}\n`, 0o600)) return created;
  return checkPrivateJwk(await readJson(file), file, alg);
}
