// Verifies the organisation's IdP tokens (OIDC JWTs): signature against the IdP's keys (fetched
// from its JWKS URL, or read from files for air-gapped setups), issuer, audience, an algorithm
// allowlist, a required expiry, and a small clock tolerance. There is no switch to turn this off.
// When the IdP's keys cannot be fetched the answer is IDP_UNAVAILABLE (503): fail closed.

import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  type JWTVerifyOptions,
  type RemoteJWKSet,
} from 'jose';
import { AuthError } from './errors.ts';
import { toAuthError, type TokenDescription } from './joseErrors.ts';
import { keyMatches, readPublicKeyFile, SUPPORTED_ALGORITHMS } from './keyFiles.ts';

export interface IdpConfig {
  issuer: string;
  audience: string | string[];
  jwksUrl?: string;
  /** JWK, JWKS or PEM (SPKI / certificate) files, relative to `baseDir`, for air-gapped setups. */
  publicKeyFiles?: string[];
  /** Allowlist; default ['RS256', 'ES256', 'EdDSA']. 'none' and HMAC algorithms are refused. */
  algorithms?: string[];
  /** Default 30. */
  clockToleranceSeconds?: number;
  /** Claim holding the user's groups; a dotted path (e.g. 'realm_access.roles') also works. Default 'groups'. */
  groupsClaim?: string;
}

export interface HumanIdentity {
  subject: string;
  email?: string;
  name?: string;
  groups: string[];
  issuer: string;
  /** Epoch seconds. */
  expiresAt: number;
}

const DEFAULT_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** jose re-fetches the JWKS for an unknown kid at most this often (key rotation vs. a flood of junk kids). */
const JWKS_COOLDOWN_MS = 30_000;
/** Keys older than this are re-fetched; if the IdP is down by then, verification fails closed. */
const JWKS_MAX_AGE_MS = 10 * 60_000;
const JWKS_TIMEOUT_MS = 5_000;

type VerifyKey = CryptoKey | Uint8Array;

function checkAlgorithms(algorithms: string[]): string[] {
  if (algorithms.length === 0) throw new Error('identity.idp.algorithms: list at least one algorithm');
  for (const alg of algorithms) {
    if (alg.toLowerCase() === 'none')
      throw new Error("identity.idp.algorithms: 'none' (unsigned tokens) is never allowed");
    if (/^HS\d+$/i.test(alg)) {
      throw new Error(
        `identity.idp.algorithms: '${alg}' is a shared-secret algorithm; IdP tokens must be signed with a public-key algorithm`,
      );
    }
    if (!SUPPORTED_ALGORITHMS.includes(alg)) {
      throw new Error(
        `identity.idp.algorithms: '${alg}' is not supported; use some of ${SUPPORTED_ALGORITHMS.join(', ')}`,
      );
    }
  }
  return algorithms;
}

function checkJwksUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`identity.idp.jwksUrl: '${value}' is not a URL`);
  }
  // Keys fetched over plain HTTP could be swapped by anyone on the path, who could then sign any identity.
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) return url;
  throw new Error('identity.idp.jwksUrl: must use https (plain http is accepted only for localhost)');
}

function unavailableReason(error: unknown): string {
  if (error instanceof errors.JWKSTimeout) return `no answer within ${JWKS_TIMEOUT_MS} ms`;
  if (error instanceof errors.JWKSInvalid) return 'the response is not a valid JWKS';
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}

/** Reads a claim by name, or by dotted path when no claim has that exact name (Keycloak's 'realm_access.roles'). */
function claimAt(payload: JWTPayload, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  let value: unknown = payload;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export class HumanTokenVerifier {
  private readonly imported = new Map<string, Promise<VerifyKey>>();
  private readonly allowed: Set<string>;
  private readonly verifyOptions: JWTVerifyOptions;
  private readonly description: TokenDescription;

  private constructor(
    private readonly config: IdpConfig,
    private readonly localKeys: JWK[],
    private readonly remote: RemoteJWKSet | undefined,
    algorithms: string[],
  ) {
    this.allowed = new Set(algorithms);
    this.verifyOptions = {
      issuer: config.issuer,
      audience: config.audience,
      algorithms,
      clockTolerance: config.clockToleranceSeconds ?? 30,
      requiredClaims: ['exp', 'sub'],
    };
    this.description = {
      kind: 'IdP token',
      renewHint: 'Sign in to your identity provider again for a fresh token.',
      audience: config.audience,
      issuer: config.issuer,
    };
  }

  static async create(config: IdpConfig, baseDir: string): Promise<HumanTokenVerifier> {
    if (!config.issuer) throw new Error('identity.idp.issuer: required');
    const audiences = Array.isArray(config.audience) ? config.audience : [config.audience];
    if (audiences.length === 0 || audiences.some((aud) => !aud)) throw new Error('identity.idp.audience: required');
    const tolerance = config.clockToleranceSeconds ?? 30;
    if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 300) {
      throw new Error('identity.idp.clockToleranceSeconds: must be between 0 and 300');
    }
    const algorithms = checkAlgorithms(config.algorithms ?? DEFAULT_ALGORITHMS);
    const files = config.publicKeyFiles ?? [];
    const localKeys = (await Promise.all(files.map((file) => readPublicKeyFile(file, baseDir)))).flat();
    const remote =
      config.jwksUrl === undefined
        ? undefined
        : createRemoteJWKSet(checkJwksUrl(config.jwksUrl), {
            timeoutDuration: JWKS_TIMEOUT_MS,
            cooldownDuration: JWKS_COOLDOWN_MS,
            cacheMaxAge: JWKS_MAX_AGE_MS,
          });
    if (remote === undefined && localKeys.length === 0) {
      throw new Error('identity.idp: set jwksUrl or publicKeyFiles; IdP tokens are always verified');
    }
    const verifier = new HumanTokenVerifier(config, localKeys, remote, algorithms);
    await verifier.checkLocalKeys(algorithms);
    return verifier;
  }

  async verify(token: string): Promise<HumanIdentity> {
    if (!token)
      throw new AuthError('TOKEN_MISSING', 'No IdP token was given; send the token from your identity provider.');
    let alg: unknown;
    let kid: unknown;
    try {
      ({ alg, kid } = decodeProtectedHeader(token));
    } catch {
      throw new AuthError('TOKEN_MALFORMED', 'The IdP token is not a well-formed signed JWT.');
    }
    // Checked before any key lookup, so 'none' or a junk alg never costs a JWKS fetch.
    if (typeof alg !== 'string' || !this.allowed.has(alg)) {
      throw new AuthError(
        'TOKEN_ALG_NOT_ALLOWED',
        `The IdP token is signed with an algorithm this gateway does not accept (allowed: ${[...this.allowed].join(', ')}).`,
      );
    }
    const keys = await this.keysFor(alg, typeof kid === 'string' ? kid : undefined);
    for (const key of keys) {
      try {
        const { payload } = await jwtVerify(token, key, this.verifyOptions);
        return this.identity(payload);
      } catch (error) {
        // Several candidate keys (kid-less PEM keys, rotation): only a signature mismatch moves on.
        if (!(error instanceof errors.JWSSignatureVerificationFailed)) throw toAuthError(error, this.description);
      }
    }
    throw toAuthError(new errors.JWSSignatureVerificationFailed(), this.description);
  }

  private async keysFor(alg: string, kid: string | undefined): Promise<VerifyKey[]> {
    const local: Promise<VerifyKey>[] = [];
    this.localKeys.forEach((jwk, index) => {
      if (keyMatches(jwk, alg, kid)) local.push(this.importLocal(index, jwk, alg));
    });
    if (local.length > 0) return Promise.all(local);
    if (this.remote === undefined) throw toAuthError(new errors.JWKSNoMatchingKey(), this.description);
    try {
      return [await this.remote({ alg, ...(kid === undefined ? {} : { kid }) })];
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) throw toAuthError(error, this.description);
      if (error instanceof errors.JWKSMultipleMatchingKeys) {
        const keys: VerifyKey[] = [];
        for await (const key of error) keys.push(key);
        return keys;
      }
      throw new AuthError(
        'IDP_UNAVAILABLE',
        `The identity provider's signing keys could not be fetched (${unavailableReason(error)}), so the IdP token cannot be verified. Retry shortly.`,
      );
    }
  }

  private importLocal(index: number, jwk: JWK, alg: string): Promise<VerifyKey> {
    const cacheKey = `${index}:${alg}`;
    let key = this.imported.get(cacheKey);
    if (key === undefined) {
      key = importJWK(jwk, alg);
      this.imported.set(cacheKey, key);
    }
    return key;
  }

  /** Fails start-up on a key file no allowed algorithm can use, rather than on the first login. */
  private async checkLocalKeys(algorithms: string[]): Promise<void> {
    for (const [index, jwk] of this.localKeys.entries()) {
      const alg = algorithms.find((candidate) => keyMatches(jwk, candidate, undefined));
      const described = `${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ''}${jwk.kid ? ` (kid '${jwk.kid}')` : ''}`;
      if (alg === undefined) {
        throw new Error(
          `identity.idp.publicKeyFiles: a ${described} key cannot verify any allowed algorithm (${algorithms.join(', ')})`,
        );
      }
      try {
        await this.importLocal(index, jwk, alg);
      } catch (error) {
        throw new Error(`identity.idp.publicKeyFiles: the ${described} key is invalid (${(error as Error).message})`, {
          cause: error,
        });
      }
    }
  }

  private identity(payload: JWTPayload): HumanIdentity {
    const { sub, iss, exp } = payload;
    if (typeof sub !== 'string' || sub === '') {
      throw new AuthError('TOKEN_INVALID_CLAIMS', "The IdP token's 'sub' claim must be a non-empty string.");
    }
    const groupsClaim = this.config.groupsClaim ?? 'groups';
    const rawGroups = claimAt(payload, groupsClaim);
    let groups: string[];
    if (rawGroups === undefined || rawGroups === null) groups = [];
    else if (typeof rawGroups === 'string') groups = [rawGroups];
    else if (Array.isArray(rawGroups)) groups = rawGroups.filter((group): group is string => typeof group === 'string');
    else
      throw new AuthError(
        'TOKEN_INVALID_CLAIMS',
        `The IdP token's '${groupsClaim}' claim must be a list of group names.`,
      );
    const name = typeof payload.name === 'string' ? payload.name : payload.preferred_username;
    return {
      subject: sub,
      ...(typeof payload.email === 'string' ? { email: payload.email } : {}),
      ...(typeof name === 'string' ? { name } : {}),
      groups,
      issuer: iss as string,
      expiresAt: exp as number,
    };
  }
}
