// Builds Cedar requests from the gateway's facts; the shapes here must match
// policies/schema.cedarschema. Two flavours:
// - full requests (every entity, attribute and context field), checked against the schema: used
//   for approvals, which are rare;
// - slim requests for tool calls, the hot path: only what the loaded policies can observe (see
//   policyFootprint.ts), no schema. An entity with no attributes left and no parents needed is
//   left out (Agent and Session always are): Cedar evaluates a missing entity exactly like one
//   with nothing in it.
import type { Context, EntityJson, EntityUidJson } from '@cedar-policy/cedar-wasm/nodejs';
import { prune } from './policyFootprint.ts';
import type { PathTree } from './policyFootprint.ts';
import { TIER_RANK } from './types.ts';
import type { ApprovalPolicyInput, CallPolicyInput, HumanFacts, ToolFacts } from './types.ts';
import type { TimeFacts } from './wallClock.ts';

export const NAMESPACE = 'Countersign';
export const ACTION_TYPE = `${NAMESPACE}::Action`;
const HUMAN = `${NAMESPACE}::Human`;
const GROUP = `${NAMESPACE}::Group`;
const AGENT = `${NAMESPACE}::Agent`;
const SESSION = `${NAMESPACE}::Session`;
const TOOL = `${NAMESPACE}::Tool`;

export type PolicyAction = 'call' | 'callWithoutApproval' | 'approve';

/** A Cedar request minus its action. */
export interface RequestParts {
  principal: EntityUidJson;
  resource: EntityUidJson;
  context: Context;
  entities: EntityJson[];
}

/** Which parts of a call request the loaded policies can observe. */
export interface CallFootprint {
  context: PathTree;
  /** Tool attributes some policy reads. */
  toolAttributes: readonly (keyof ToolAttributes)[];
  /** Some policy tests membership (`in`): send the Human with its groups. */
  humanGroups: boolean;
  /** Some policy looks at who the principal / which the resource is, beyond attributes. */
  principalId: boolean;
  resourceId: boolean;
}

/** Stands in for an id no policy can observe, so requests that differ only there are equal. */
const UNOBSERVED_ID = '';

export type ToolAttributes = ReturnType<typeof toolAttributes>;
export const TOOL_ATTRIBUTE_NAMES = Object.keys(
  toolAttributes({ name: '', upstream: '', tier: 'read', annotations: {} }),
) as (keyof ToolAttributes)[];

export function callRequest(input: CallPolicyInput, time: TimeFacts): RequestParts {
  const principal = { type: HUMAN, id: input.human.id };
  const resource = { type: TOOL, id: input.tool.name };
  return {
    principal,
    resource,
    context: callContext(input, time),
    entities: [
      humanEntity(principal, input.human),
      { uid: resource, attrs: toolAttributes(input.tool), parents: [] },
      { uid: { type: AGENT, id: input.agent }, attrs: {}, parents: [] },
      { uid: { type: SESSION, id: input.session }, attrs: {}, parents: [] },
    ],
  };
}

/** The slim requests for `call` and `callWithoutApproval`, each with what its policies observe. */
export function slimCallRequests(
  input: CallPolicyInput,
  time: TimeFacts,
  footprints: { call: CallFootprint; callWithoutApproval: CallFootprint },
): { call: RequestParts; callWithoutApproval: RequestParts } {
  const context = callContext(input, time);
  const attributes = toolAttributes(input.tool);
  return {
    call: slimRequest(input, context, attributes, footprints.call),
    callWithoutApproval: slimRequest(input, context, attributes, footprints.callWithoutApproval),
  };
}

function slimRequest(
  input: CallPolicyInput,
  context: Context,
  attributes: ToolAttributes,
  footprint: CallFootprint,
): RequestParts {
  const principal = { type: HUMAN, id: footprint.principalId ? input.human.id : UNOBSERVED_ID };
  const resource = { type: TOOL, id: footprint.resourceId ? input.tool.name : UNOBSERVED_ID };
  const entities: EntityJson[] = [];
  if (footprint.humanGroups) entities.push(humanEntity(principal, input.human));
  if (footprint.toolAttributes.length > 0) {
    const attrs: Record<string, string | number | boolean> = {};
    for (const name of footprint.toolAttributes) attrs[name] = attributes[name];
    entities.push({ uid: resource, attrs, parents: [] });
  }
  return { principal, resource, context: prune(context, footprint.context) as Context, entities };
}

export function approvalRequest(input: ApprovalPolicyInput, time: TimeFacts): RequestParts {
  const principal = { type: HUMAN, id: input.approver.id };
  const requester = { type: HUMAN, id: input.requester.id };
  const resource = { type: TOOL, id: input.tool.name };
  const entities = [
    humanEntity(principal, input.approver),
    { uid: resource, attrs: toolAttributes(input.tool), parents: [] },
  ];
  // Cedar refuses duplicate entities; an approver who is the requester is one entity.
  if (input.requester.id !== input.approver.id) entities.push(humanEntity(requester, input.requester));
  entities.push(
    { uid: { type: AGENT, id: input.agent }, attrs: {}, parents: [] },
    { uid: { type: SESSION, id: input.session }, attrs: {}, parents: [] },
  );
  return {
    principal,
    resource,
    context: {
      requester: { __entity: requester },
      requesterGroups: input.requester.groups,
      agent: input.agent,
      session: input.session,
      time,
    },
    entities,
  };
}

function callContext(input: CallPolicyInput, time: TimeFacts): Context {
  const { consent } = input;
  return {
    agent: input.agent,
    session: input.session,
    consent: {
      id: consent.id,
      coversTool: consent.coversTool,
      maxTier: consent.maxTier,
      maxTierRank: TIER_RANK[consent.maxTier],
      reason: consent.reason,
      hasTicket: consent.ticket !== undefined && consent.ticket !== '',
    },
    time,
    args: { keys: input.argumentSummary.keys, sizeBytes: input.argumentSummary.sizeBytes },
  };
}

function humanEntity(uid: EntityUidJson, human: HumanFacts): EntityJson {
  return { uid, attrs: {}, parents: human.groups.map((group) => ({ type: GROUP, id: group })) };
}

function toolAttributes(tool: ToolFacts) {
  const { annotations } = tool;
  return {
    upstream: tool.upstream,
    tier: tool.tier,
    tierRank: TIER_RANK[tool.tier],
    readOnly: annotations.readOnlyHint === true,
    destructive: annotations.destructiveHint === true,
    idempotent: annotations.idempotentHint === true,
    openWorld: annotations.openWorldHint !== false,
  };
}
