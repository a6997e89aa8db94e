// The audit record: one per tools/call decision. Written (durably) before anything is forwarded;
// the outcome is appended afterwards. Identity and policy fields are in the shape the identity and
// policy layers fill, so later layers add values, not columns.

export type Decision = 'allow' | 'deny' | 'needs-approval' | 'refused';
export type Outcome = 'ok' | 'tool-error' | 'error' | 'timeout' | 'cancelled' | 'not-forwarded';

export interface AuditDecisionRecord {
  _id: string;
  time: Date;
  /** Agent session (the token's `sid`); null until identity lands. */
  session: string | null;
  human: string | null;
  agent: string | null;
  consentId: string | null;
  upstream: string;
  /** Namespaced name the agent used, e.g. `incidents.close_incident`. */
  tool: string;
  upstreamTool: string;
  toolDefinitionHash: string | null;
  tier: 'read' | 'write' | 'destructive' | null;
  argumentsHash: string;
  /** Arguments with secret-looking keys replaced; never the raw values of those keys. */
  arguments: unknown;
  decision: Decision;
  decisionReason: string;
  policyIds: string[];
  policySetHash: string | null;
  approvalId: string | null;
  protocolVersion: string | null;
  gatewayInstance: string;
  outcome: Outcome | null;
  durationMs: number | null;
  error: { code: string; message: string } | null;
  completedAt: Date | null;
}

export interface AuditOutcome {
  outcome: Outcome;
  durationMs: number;
  error: { code: string; message: string } | null;
}

/** An outcome as stored: its own document, `_id` = the decision record's id. */
export interface AuditOutcomeRecord extends AuditOutcome {
  _id: string;
  completedAt: Date;
}

/** Time-ordered id (UUIDv7 layout) so records sort by creation and `audit tail` can page by id. */
export function newAuditId(now = Date.now()): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const ms = BigInt(now);
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A refused request that never reached a tool (bad token, revoked consent, stolen session id…). */
export function securityEventRecord(event: {
  code: string;
  message: string;
  session?: string | null;
  human?: string | null;
  agent?: string | null;
  consentId?: string | null;
  protocolVersion?: string | null;
  gatewayInstance: string;
}): AuditDecisionRecord {
  const now = new Date();
  return {
    _id: newAuditId(now.getTime()),
    time: now,
    session: event.session ?? null,
    human: event.human ?? null,
    agent: event.agent ?? null,
    consentId: event.consentId ?? null,
    upstream: '(gateway)',
    tool: '(authentication)',
    upstreamTool: '(authentication)',
    toolDefinitionHash: null,
    tier: null,
    argumentsHash: 'unhashed:no-arguments',
    arguments: null,
    decision: 'refused',
    decisionReason: event.message,
    policyIds: [],
    policySetHash: null,
    approvalId: null,
    protocolVersion: event.protocolVersion ?? null,
    gatewayInstance: event.gatewayInstance,
    outcome: 'not-forwarded',
    durationMs: 0,
    error: { code: event.code, message: event.message },
    completedAt: now,
  };
}
