// The gateway's own ES256 signing key: agent-session tokens now, downstream assertions later.
// Every replica given the same key file signs with the same key, so any replica verifies any
// replica's tokens. Only the public half is ever published (/.well-known/jwks.json).

import { errors, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { toAuthError, type TokenDescription } from './joseErrors.ts';
import { loadOrCreatePrivateJwk, publicJwkOf } from './keyStore.ts';

const ALG = 'ES256';

export interface GatewaySignOptions {
  audience: string;
  /** Epoch seconds. */
  expiresAt: number;
  subject: string;
  /** JWT 'typ' header, so one kind of gateway token cannot be passed off as another. */
  type?: string;
}

export interface GatewayVerifierOptions {
  /** Required 'typ' header, when the tokens being verified carry one. */
  type?: string;
  clockToleranceSeconds?: number;
  /** Injectable clock (epoch ms), for tests. */
  now?: () => number;
  /** Names the token in error messages ("agent-session token"), and says how to get a new one. */
  kind?: string;
  renewHint?: string;
}

export type GatewayTokenVerifier = (
  token: string,
  options: { audience: string; issuer: string },
) => Promise<JWTPayload>;

export class GatewayKeys {
  private constructor(
    readonly kid: string,
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    private readonly publicJwk: JWK,
  ) {}

  /** Loads the ES256 private JWK at `file`, creating it (0600, folder 0700) if missing. */
  static async loadOrCreate(file: string): Promise<GatewayKeys> {
    const privateJwk = await loadOrCreatePrivateJwk(file, ALG);
    const publicJwk = await publicJwkOf(privateJwk, ALG);
    let privateKey: CryptoKey;
    let publicKey: CryptoKey;
    try {
      privateKey = (await importJWK({ ...privateJwk, alg: ALG }, ALG)) as CryptoKey;
      publicKey = (await importJWK(publicJwk, ALG)) as CryptoKey;
    } catch (error) {
      throw new Error(`key file ${file}: not a usable ES256 key (${(error as Error).message})`, {
        cause: error,
      });
    }
    return new GatewayKeys(publicJwk.kid as string, privateKey, publicKey, publicJwk);
  }

  async sign(claims: JWTPayload, options: GatewaySignOptions): Promise<string> {
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: ALG, kid: this.kid, ...(options.type === undefined ? {} : { typ: options.type }) })
      .setAudience(options.audience)
      .setSubject(options.subject)
      .setExpirationTime(options.expiresAt);
    if (claims.iat === undefined) jwt.setIssuedAt();
    return jwt.sign(this.privateKey);
  }

  /** The public keys only, for /.well-known/jwks.json. */
  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.publicJwk }] };
  }

  /**
   * A verifier for tokens this gateway signed: ES256 only, this key only (by kid), audience and
   * issuer checked, 'exp' required. Failures are AuthErrors.
   */
  verifier(verifierOptions: GatewayVerifierOptions = {}): GatewayTokenVerifier {
    const {
      type,
      clockToleranceSeconds = 0,
      now,
      kind = 'gateway token',
      renewHint = 'Request a new token.',
    } = verifierOptions;
    const getKey = (header: { kid?: string }): CryptoKey => {
      if (header.kid !== this.kid) throw new errors.JWKSNoMatchingKey();
      return this.publicKey;
    };
    return async (token, { audience, issuer }) => {
      const description: TokenDescription = { kind, renewHint, audience, issuer };
      try {
        const { payload } = await jwtVerify(token, getKey, {
          algorithms: [ALG],
          audience,
          issuer,
          requiredClaims: ['exp'],
          clockTolerance: clockToleranceSeconds,
          ...(type === undefined ? {} : { typ: type }),
          ...(now === undefined ? {} : { currentDate: new Date(now()) }),
        });
        return payload;
      } catch (error) {
        throw toAuthError(error, description);
      }
    };
  }
}
