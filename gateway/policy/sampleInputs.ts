// Representative policy inputs: used at load to check that the schema describes the requests
// the gateway builds (every field present, every type right).
import type { ApprovalPolicyInput, CallPolicyInput, ToolFacts } from './types.ts';

const tool: ToolFacts = {
  name: 'example.tool',
  upstream: 'example',
  tier: 'write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
};

export const sampleCallInput: CallPolicyInput = {
  human: { id: 'requester@example.com', groups: ['engineering'] },
  agent: 'example-agent',
  session: 'example-session',
  tool,
  consent: {
    id: 'example-consent',
    toolPatterns: ['example.*'],
    maxTier: 'write',
    coversTool: true,
    reason: 'example',
    ticket: 'T-1',
  },
  now: new Date(0),
  argumentSummary: { keys: ['a'], sizeBytes: 10 },
};

export const sampleApprovalInput: ApprovalPolicyInput = {
  approver: { id: 'approver@example.com', groups: ['approvers'] },
  requester: { id: 'requester@example.com', groups: ['engineering'] },
  agent: 'example-agent',
  session: 'example-session',
  tool,
  now: new Date(0),
};
