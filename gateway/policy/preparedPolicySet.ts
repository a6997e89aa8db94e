// Validation and preparsing of a policy folder's contents. Cedar keeps preparsed schemas and
// policy sets in the wasm instance's memory under a name; each prepared set gets fresh names, so a
// reload prepares the new set beside the old one and the engine swaps a reference (atomic: the
// hot path is synchronous). cedar-wasm has no "drop" call, but preparsing under an existing name
// replaces what was there, so free() overwrites both names with empty values.
import {
  preparsePolicySet,
  preparseSchema,
  schemaToJson,
  statefulIsAuthorized,
  validate,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { DetailedError, EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Logger } from 'pino';
import { ACTION_TYPE, NAMESPACE, TOOL_ATTRIBUTE_NAMES, approvalRequest, callRequest } from './cedarRequests.ts';
import type { CallFootprint, PolicyAction, RequestParts } from './cedarRequests.ts';
import { DecisionCache } from './decisionCache.ts';
import { policyAppliesToAny, policyFootprint } from './policyFootprint.ts';
import { PolicyLoadError } from './policyLoadError.ts';
import type { PolicyProblem } from './policyLoadError.ts';
import { cedarMessage, cedarProblem } from './policySource.ts';
import type { PolicySource, SourcePolicy } from './policySource.ts';
import { sampleApprovalInput, sampleCallInput } from './sampleInputs.ts';
import { WallClock } from './wallClock.ts';

let generation = 0;
const CALL_ACTIONS = ['call', 'callWithoutApproval'] as const;

export interface PreparedPolicySet {
  /** Name of the preparsed policy set in cedar-wasm's cache (every policy: approvals, load checks). */
  readonly policySetId: string;
  /**
   * Per call action, the name of a preparsed set holding only the policies whose action scope can
   * match it. A policy whose scope excludes the action is false without its conditions being
   * evaluated, so the answer is the same; Cedar just has fewer policies to visit on the hot path.
   */
  readonly callPolicySetIds: { readonly call: string; readonly callWithoutApproval: string };
  /** Name of the preparsed schema in cedar-wasm's cache. */
  readonly schemaName: string;
  readonly hash: string;
  readonly ids: readonly string[];
  readonly reasons: ReadonlyMap<string, string>;
  /** Ids of the forbid policies (an erring forbid must not fail open). */
  readonly forbids: ReadonlySet<string>;
  /** What each call action's policies can observe: the hot path sends only that. */
  readonly callFootprints: { readonly call: CallFootprint; readonly callWithoutApproval: CallFootprint };
  /** Action entities with parents (action groups in the schema); schema-less requests need them. */
  readonly actionEntities: readonly EntityJson[];
  /** Call-action verdicts under this set, keyed by action and slim request; undefined when off. */
  readonly verdicts: DecisionCache<ExplainedVerdict> | undefined;
}

/** Cedar's answer to one call action, with the sentence that explains it. */
export interface ExplainedVerdict {
  allowed: boolean;
  /** The determining policies. */
  policyIds: string[];
  /** e.g. "destructive tools always need a human's approval (policy destructive-needs-approval)"; undefined when no policy determined it. */
  why: string | undefined;
}

/** Validates `source` strictly against its schema and preparses it; throws PolicyLoadError. */
export function preparePolicySet(source: PolicySource, logger: Logger, cacheEntries: number): PreparedPolicySet {
  if (source.problems.length > 0) throw new PolicyLoadError(source.dir, source.problems);
  const byId = new Map(source.policies.map((policy) => [policy.id, policy]));
  const staticPolicies = Object.fromEntries(source.policies.map((policy) => [policy.id, policy.text]));

  const answer = validate({
    schema: source.schemaText,
    policies: { staticPolicies },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type === 'failure') {
    // The set as a whole did not parse (policies parsed one by one already), so it is the schema.
    throw new PolicyLoadError(
      source.dir,
      answer.errors.map((error) => schemaProblem(source, error)),
    );
  }
  const problems = answer.validationErrors.map(({ policyId, error }) =>
    policyProblem(source, byId.get(policyId), policyId, error),
  );
  if (problems.length > 0) throw new PolicyLoadError(source.dir, problems);
  for (const { policyId, error } of answer.validationWarnings) {
    logger.warn({ policyDir: source.dir, policyId, warning: cedarMessage(error) }, 'Cedar policy warning');
  }
  for (const warning of answer.otherWarnings) {
    logger.warn({ policyDir: source.dir, warning: cedarMessage(warning) }, 'Cedar policy warning');
  }

  generation += 1;
  const prepared: PreparedPolicySet = {
    policySetId: `countersign-policies-${generation}`,
    callPolicySetIds: {
      call: `countersign-policies-${generation}-call`,
      callWithoutApproval: `countersign-policies-${generation}-callWithoutApproval`,
    },
    schemaName: `countersign-schema-${generation}`,
    hash: source.hash,
    ids: source.policies.map((policy) => policy.id).sort(),
    reasons: new Map(
      source.policies.flatMap((policy) => (policy.reason === undefined ? [] : [[policy.id, policy.reason]])),
    ),
    forbids: new Set(source.policies.filter((policy) => policy.json.effect === 'forbid').map((policy) => policy.id)),
    callFootprints: {
      call: callFootprint(source, 'call'),
      callWithoutApproval: callFootprint(source, 'callWithoutApproval'),
    },
    actionEntities: actionEntities(source.schemaText),
    verdicts: cacheEntries > 0 ? new DecisionCache(cacheEntries) : undefined,
  };
  const schemaAnswer = preparseSchema(prepared.schemaName, source.schemaText);
  if (schemaAnswer.type === 'failure') {
    throw new PolicyLoadError(
      source.dir,
      schemaAnswer.errors.map((error) => schemaProblem(source, error)),
    );
  }
  const setAnswer = preparsePolicySet(prepared.policySetId, { staticPolicies });
  const setErrors = setAnswer.type === 'failure' ? [...setAnswer.errors] : [];
  for (const action of setErrors.length === 0 ? CALL_ACTIONS : []) {
    const applicable = source.policies.filter((policy) => policyAppliesToAny(policy.json, [action]));
    const answer = preparsePolicySet(prepared.callPolicySetIds[action], {
      staticPolicies: Object.fromEntries(applicable.map((policy) => [policy.id, policy.text])),
    });
    if (answer.type === 'failure') setErrors.push(...answer.errors);
  }
  if (setErrors.length > 0) {
    freePreparedPolicySet(prepared);
    throw new PolicyLoadError(
      source.dir,
      setErrors.map((error) => ({ file: source.dir, message: cedarMessage(error) })),
    );
  }
  const mismatch = schemaMismatch(prepared);
  if (mismatch !== undefined) {
    freePreparedPolicySet(prepared);
    throw new PolicyLoadError(source.dir, [
      { file: source.schemaFile, message: `the schema does not describe the requests Countersign sends: ${mismatch}` },
    ]);
  }
  return prepared;
}

function callFootprint(source: PolicySource, action: PolicyAction): CallFootprint {
  const footprint = policyFootprint(
    source.policies.map((policy) => policy.json),
    [action],
  );
  return {
    context: footprint.context,
    toolAttributes: TOOL_ATTRIBUTE_NAMES.filter((name) => footprint.attributeNames.has(name)),
    humanGroups: footprint.usesHierarchy,
    principalId: footprint.usesPrincipalId,
    resourceId: footprint.usesResourceId,
  };
}

/** Releases the wasm memory held under the set's names (they are never used again). */
export function freePreparedPolicySet(prepared: PreparedPolicySet): void {
  preparsePolicySet(prepared.policySetId, { staticPolicies: {} });
  for (const action of CALL_ACTIONS) preparsePolicySet(prepared.callPolicySetIds[action], { staticPolicies: {} });
  preparseSchema(prepared.schemaName, '');
}

/**
 * Checks a full request of each action against the schema, so a schema edit that drifts from
 * the code (a renamed attribute, a missing action) is refused at load rather than at call time.
 */
function schemaMismatch(prepared: PreparedPolicySet): string | undefined {
  const time = new WallClock('UTC').facts(new Date(0));
  const requests: Array<[PolicyAction, RequestParts]> = [
    ['call', callRequest(sampleCallInput, time)],
    ['callWithoutApproval', callRequest(sampleCallInput, time)],
    ['approve', approvalRequest(sampleApprovalInput, time)],
  ];
  for (const [action, parts] of requests) {
    const answer = statefulIsAuthorized({
      ...parts,
      action: { type: ACTION_TYPE, id: action },
      preparsedPolicySetId: prepared.policySetId,
      preparsedSchemaName: prepared.schemaName,
      validateRequest: true,
    });
    if (answer.type === 'failure') return `action "${action}": ${answer.errors.map(cedarMessage).join('; ')}`;
  }
  return undefined;
}

/** Action-group membership from the schema, as entities (usually none). */
function actionEntities(schemaText: string): EntityJson[] {
  const answer = schemaToJson(schemaText);
  if (answer.type === 'failure') return [];
  const actions = answer.json[NAMESPACE]?.actions ?? {};
  return Object.entries(actions).flatMap(([id, action]) => {
    const parents = (action.memberOf ?? []).map((parent) => ({
      type:
        parent.type === undefined
          ? ACTION_TYPE
          : parent.type.includes('::')
            ? parent.type
            : `${NAMESPACE}::${parent.type}`,
      id: parent.id,
    }));
    return parents.length === 0 ? [] : [{ uid: { type: ACTION_TYPE, id }, attrs: {}, parents }];
  });
}

function policyProblem(
  source: PolicySource,
  policy: SourcePolicy | undefined,
  policyId: string,
  error: DetailedError,
): PolicyProblem {
  if (policy === undefined) return { file: source.dir, policyId, message: cedarMessage(error) };
  return cedarProblem(policy.file, source.fileTexts.get(policy.file) ?? '', policy, policyId, error);
}

function schemaProblem(source: PolicySource, error: DetailedError): PolicyProblem {
  return cedarProblem(source.schemaFile, source.schemaText, { text: source.schemaText, offset: 0 }, undefined, error);
}
