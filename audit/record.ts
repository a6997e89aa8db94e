// The audit record: one per tools/call decision. Written (durably) before anything is forwarded;
// the outcome is appended afterwards. Identity and policy fields are in the shape the identity and
// policy layers fill, so later layers add values, not columns.
import { randomUUID } from 'node:crypto';

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

/**
 * Time-ordered id (UUIDv7 layout) so records sort by creation and `audit tail` can page by id.
 * Built from `randomUUID()` (Node batches its entropy: ~0.3 µs) rather than a
 * `getRandomValues` call per id (~25 µs): this runs on every call's hot path.
 */
export function newAuditId(now = Date.now()): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx, V already the RFC 9562 variant
  const time = now.toString(16).padStart(12, '0').slice(-12);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15, 18)}${random.slice(18)}`;
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
