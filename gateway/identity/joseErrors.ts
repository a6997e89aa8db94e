// Turns jose's verification errors into AuthErrors. jose's own errors carry the decoded claims
// (`payload`), so they are never attached as a cause: what reaches logs and clients is only the
// message written here, which names the problem and never the token or its contents.

import { errors } from 'jose';
import { AuthError } from './errors.ts';

export interface TokenDescription {
  /** What the token is, as the reader knows it: "IdP token", "agent-session token". */
  kind: string;
  /** How to get a valid one, appended to messages about expiry. */
  renewHint: string;
  /** Expected audience(s) and issuer, named in mismatch messages (both are public anyway). */
  audience: string | string[];
  issuer: string;
}

function list(value: string | string[]): string {
  return (Array.isArray(value) ? value : [value]).map((item) => `'${item}'`).join(' or ');
}

function claimError(claim: string, reason: string, token: TokenDescription): AuthError {
  const { kind } = token;
  switch (claim) {
    case 'exp':
      return reason === 'missing'
        ? new AuthError(
            'TOKEN_NO_EXPIRY',
            `The ${kind} has no expiry ('exp' claim); only expiring tokens are accepted.`,
          )
        : new AuthError('TOKEN_INVALID_CLAIMS', `The ${kind} has an 'exp' claim that is not a number.`);
    case 'aud':
      return new AuthError(
        'TOKEN_WRONG_AUDIENCE',
        `The ${kind} was issued for another audience; this gateway accepts only tokens for ${list(token.audience)}.`,
      );
    case 'iss':
      return new AuthError(
        'TOKEN_WRONG_ISSUER',
        `The ${kind} was issued by an issuer this gateway does not trust; expected ${list(token.issuer)}.`,
      );
    case 'nbf':
      return new AuthError('TOKEN_INVALID_CLAIMS', `The ${kind} is not valid yet ('nbf' is in the future).`);
    case 'typ':
      return new AuthError(
        'TOKEN_INVALID_CLAIMS',
        `The ${kind} has the wrong type ('typ' header); it is another kind of token.`,
      );
    default:
      return new AuthError('TOKEN_INVALID_CLAIMS', `The ${kind} has a ${reason} '${claim}' claim.`);
  }
}

export function toAuthError(error: unknown, token: TokenDescription): AuthError {
  const { kind } = token;
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) {
    return new AuthError('TOKEN_EXPIRED', `The ${kind} has expired. ${token.renewHint}`);
  }
  if (error instanceof errors.JWTClaimValidationFailed) return claimError(error.claim, error.reason, token);
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new AuthError(
      'TOKEN_ALG_NOT_ALLOWED',
      `The ${kind} is signed with an algorithm this gateway does not accept.`,
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthError(
      'TOKEN_BAD_SIGNATURE',
      `The ${kind}'s signature does not verify: it was altered, or signed by a key this gateway does not trust.`,
    );
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new AuthError('TOKEN_UNKNOWN_KEY', `The ${kind} is signed by a key this gateway does not know.`);
  }
  // JWSInvalid, JWTInvalid, JOSENotSupported (unknown 'crit' header) and type errors from
  // malformed claims (e.g. a non-string 'iss'): the token is not one this gateway can accept.
  if (error instanceof errors.JOSEError || error instanceof TypeError) {
    return new AuthError('TOKEN_MALFORMED', `The ${kind} is not a well-formed signed JWT.`);
  }
  return new AuthError('TOKEN_MALFORMED', `The ${kind} could not be verified.`);
}
