// Turns gateway refusals into MCP tool results. `isError: true` results reach the model (protocol
// errors often do not), and `_meta` carries the stable code for programs.
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { GatewayError } from '../errors.ts';
import type { CallDecision } from './decision.ts';

export function errorResult(error: GatewayError): CallToolResult {
  return {
    content: [{ type: 'text', text: error.message }],
    isError: true,
    _meta: { 'countersign/error': { code: error.code, ...error.details } },
  };
}

export function refusalResult(tool: string, decision: CallDecision): CallToolResult {
  const text =
    decision.decision === 'needs-approval'
      ? `Approval required: '${tool}' needs a human's sign-off (${decision.reason}). Nothing was run.`
      : `Denied: '${tool}' was not run. ${decision.reason}`;
  return {
    content: [{ type: 'text', text }],
    isError: true,
    _meta: {
      'countersign/decision': { decision: decision.decision, reason: decision.reason, policyIds: decision.policyIds },
    },
  };
}
