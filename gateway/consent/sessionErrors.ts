// Why an agent session cannot be used right now. Each maps to an HTTP status and a message that
// tells the agent (and the human behind it) what to do.
export type SessionErrorCode =
  | 'SESSION_UNKNOWN'
  | 'SESSION_REVOKED'
  | 'SESSION_EXPIRED'
  | 'SESSION_PAUSED'
  | 'CONSENT_REVOKED'
  | 'CONSENT_EXPIRED'
  | 'CONTROL_STORE_UNAVAILABLE';

export class SessionError extends Error {
  readonly status: 401 | 403 | 503;
  constructor(
    readonly code: SessionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SessionError';
    this.status = code === 'SESSION_PAUSED' ? 403 : code === 'CONTROL_STORE_UNAVAILABLE' ? 503 : 401;
  }
}
