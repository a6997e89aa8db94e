// Authentication failures, each with a stable code (for audit and metrics) and an HTTP status.
// Messages say what is wrong with a credential and what would fix it; they never contain the
// token itself or its claims, so they are safe to log and to return to the client.

export type AuthErrorCode =
  | 'TOKEN_MISSING'
  | 'TOKEN_MALFORMED'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NO_EXPIRY'
  | 'TOKEN_BAD_SIGNATURE'
  | 'TOKEN_UNKNOWN_KEY'
  | 'TOKEN_ALG_NOT_ALLOWED'
  | 'TOKEN_WRONG_AUDIENCE'
  | 'TOKEN_WRONG_ISSUER'
  | 'TOKEN_INVALID_CLAIMS'
  | 'IDP_UNAVAILABLE';

export type AuthErrorStatus = 401 | 403 | 503;

/** IDP_UNAVAILABLE is the gateway's problem, not the caller's: 503, and retrying may help. */
function statusFor(code: AuthErrorCode): AuthErrorStatus {
  return code === 'IDP_UNAVAILABLE' ? 503 : 401;
}

export class AuthError extends Error {
  readonly status: AuthErrorStatus;

  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
    this.status = statusFor(code);
  }
}
