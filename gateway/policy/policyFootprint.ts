// What the loaded policies can observe of a request for some actions. cedar-wasm reads each
// request as JSON and builds entities and context values before evaluating, which costs more than
// evaluating small policies, so the hot path sends only what a policy that applies to the action
// can read: the context paths it reaches, the attributes it names, and entity parents only if it
// uses `in`. Leaving out a value no policy reads cannot change a decision; the walk errs on the
// side of sending (a bare `context`, or an attribute name seen anywhere, keeps the value).
import type { EntityUidJson, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';

/** true: send the whole value here; a map: send only these keys (each pruned recursively). */
export type PathTree = true | Map<string, PathTree>;

export interface PolicyFootprint {
  context: PathTree;
  /** Every attribute name any policy reads or tests with `has`, on any expression. */
  attributeNames: ReadonlySet<string>;
  /** Some policy tests entity membership (`in`), so entities must carry their parents. */
  usesHierarchy: boolean;
  /** Some policy compares or tests the principal / resource itself (not just its attributes). */
  usesPrincipalId: boolean;
  usesResourceId: boolean;
}

/** The footprint of the policies whose action scope can match one of `actionIds`. */
export function policyFootprint(policies: Iterable<PolicyJson>, actionIds: readonly string[]): PolicyFootprint {
  const walk = new FootprintWalk();
  for (const policy of policies) {
    if (!policyAppliesToAny(policy, actionIds)) continue;
    if (policy.principal.op !== 'All') walk.identities.add('principal');
    if (policy.resource.op !== 'All') walk.identities.add('resource');
    if (policy.principal.op !== '==' && policy.principal.op !== 'All') walk.usesHierarchy = true;
    if (policy.resource.op !== '==' && policy.resource.op !== 'All') walk.usesHierarchy = true;
    for (const condition of policy.conditions) walk.visit(condition.body);
  }
  return {
    context: walk.context,
    attributeNames: walk.attributeNames,
    usesHierarchy: walk.usesHierarchy,
    usesPrincipalId: walk.identities.has('principal'),
    usesResourceId: walk.identities.has('resource'),
  };
}

/** Could the policy's action scope match one of `actionIds`? (`in` a group: assume it could.) */
export function policyAppliesToAny(policy: PolicyJson, actionIds: readonly string[]): boolean {
  const scope = policy.action;
  if (scope.op === 'All') return true;
  if (scope.op === '==') return !('entity' in scope) || actionIds.includes(entityId(scope.entity));
  return true;
}

function entityId(uid: EntityUidJson): string {
  return '__entity' in uid ? uid.__entity.id : uid.id;
}

/** `value` reduced to the paths in `tree`. */
export function prune(value: unknown, tree: PathTree): unknown {
  if (tree === true || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const source = value as Record<string, unknown>;
  const pruned: Record<string, unknown> = {};
  for (const [key, subtree] of tree) {
    if (key in source) pruned[key] = prune(source[key], subtree);
  }
  return pruned;
}

class FootprintWalk {
  context: PathTree = new Map();
  readonly attributeNames = new Set<string>();
  usesHierarchy = false;
  /** Variables used as values (`principal == …`, `x in resource`), not only to read attributes. */
  readonly identities = new Set<string>();

  visit(node: unknown): void {
    if (Array.isArray(node)) {
      for (const item of node) this.visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const expr = node as Record<string, unknown>;
    if ('Value' in expr) return; // a literal: no variables inside
    if ('Var' in expr) {
      if (expr['Var'] === 'context') this.need([]);
      else this.identities.add(String(expr['Var']));
      return;
    }
    if ('Record' in expr) {
      for (const field of Object.values(expr['Record'] as Record<string, unknown>)) this.visit(field);
      return;
    }
    if ('in' in expr) this.usesHierarchy = true; // `a in b`, or `is … in`
    if ('.' in expr || 'has' in expr) {
      this.visitChain(expr);
      return;
    }
    for (const child of Object.values(expr)) this.visit(child);
  }

  /** `a.b.c` (or `a.b has c`): record the path if it starts at `context`, else keep walking. */
  private visitChain(expr: Record<string, unknown>): void {
    const path: string[] = [];
    let current: unknown = expr;
    while (current !== null && typeof current === 'object') {
      const step = current as Record<string, { left: unknown; attr: string | string[] } | undefined>;
      const access = step['.'] ?? step['has'];
      if (access === undefined) break;
      path.unshift(...(Array.isArray(access.attr) ? access.attr : [access.attr]));
      current = access.left;
    }
    for (const name of path) this.attributeNames.add(name);
    // `principal.x` / `resource.x` read attributes: the entity's id itself does not matter.
    if (isVar(current, 'context')) this.need(path);
    else if (!isVar(current, 'principal') && !isVar(current, 'resource')) this.visit(current);
  }

  private need(path: readonly string[]): void {
    if (path.length === 0) {
      this.context = true;
      return;
    }
    let tree = this.context;
    for (const [index, key] of path.entries()) {
      if (tree === true) return; // an enclosing value is sent whole already
      if (index === path.length - 1) {
        tree.set(key, true);
        return;
      }
      let subtree = tree.get(key);
      if (subtree === undefined) {
        subtree = new Map();
        tree.set(key, subtree);
      }
      tree = subtree;
    }
  }
}

function isVar(expr: unknown, name: string): boolean {
  return expr !== null && typeof expr === 'object' && (expr as Record<string, unknown>)['Var'] === name;
}
