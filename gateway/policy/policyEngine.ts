// The Cedar policy decision point. Policies come from a folder (schema.cedarschema + *.cedar),
// are validated strictly and preparsed once per load; each decision is one or two preparsed
// Cedar evaluations on small, freshly built requests. A reload prepares the new set beside the
// running one and swaps a reference, so a decision sees either the old set or the new one; an
// invalid edit is refused, logged with file, policy and Cedar's message, and the old set stays.
import { watch as watchFs } from 'node:fs';
import { statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import type { Logger } from 'pino';
import { ACTION_TYPE, approvalRequest, slimCallRequests } from './cedarRequests.ts';
import type { PolicyAction, RequestParts } from './cedarRequests.ts';
import { PolicyLoadError } from './policyLoadError.ts';
import { readPolicySource } from './policySource.ts';
import { freePreparedPolicySet, preparePolicySet } from './preparedPolicySet.ts';
import type { ExplainedVerdict, PreparedPolicySet } from './preparedPolicySet.ts';
import type { ApprovalDecision, ApprovalPolicyInput, CallPolicyInput, PolicyDecision } from './types.ts';
import { WallClock } from './wallClock.ts';

export { PolicyLoadError } from './policyLoadError.ts';
export type { PolicyProblem } from './policyLoadError.ts';

export interface PolicyEngineOptions {
  /** The policy folder: schema.cedarschema plus *.cedar files. */
  dir: string;
  /** IANA time zone for hour, weekday and business hours (default 'UTC'). */
  timeZone?: string;
  logger: Logger;
  /** Call decisions remembered per policy set (default 10,000; 0 turns the cache off). */
  decisionCacheEntries?: number;
}

export type ReloadResult = { ok: true; policySetHash: string } | { ok: false; error: PolicyLoadError };

type CallRequests = ReturnType<typeof slimCallRequests>;
type Verdict =
  | { ok: true; allowed: boolean; policyIds: string[]; errors?: ReadonlyMap<string, string> }
  | { ok: false; message: string };

const WATCH_DEBOUNCE_MS = 100;
const DEFAULT_DECISION_CACHE_ENTRIES = 10_000;
const VERBS: Record<PolicyDecision['decision'], string> = {
  allow: 'is allowed',
  'needs-approval': 'requires approval',
  deny: 'is denied',
};

function present(
  tool: string,
  decision: PolicyDecision['decision'],
  why: string,
  policyIds: readonly string[],
  set: PreparedPolicySet,
): PolicyDecision {
  return { decision, reason: `${tool} ${VERBS[decision]}: ${why}`, policyIds: [...policyIds], policySetHash: set.hash };
}

export class PolicyEngine {
  private current: PreparedPolicySet;
  private reloading: Promise<unknown> = Promise.resolve();
  private readonly stopWatchers = new Set<() => void>();
  /** Policies whose evaluation errors were logged already (per set: the hot path must not flood logs). */
  private readonly reportedErrors = new Set<string>();
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly clock: WallClock,
    private readonly logger: Logger,
    private readonly cacheEntries: number,
    initial: PreparedPolicySet,
  ) {
    this.current = initial;
  }

  /** Loads, validates and preparses the folder; throws PolicyLoadError if anything is wrong. */
  static async load(options: PolicyEngineOptions): Promise<PolicyEngine> {
    const timeZone = options.timeZone ?? 'UTC';
    let clock: WallClock;
    try {
      clock = new WallClock(timeZone);
    } catch {
      throw new PolicyLoadError(options.dir, [
        { file: options.dir, message: `unknown time zone "${timeZone}" (use an IANA name such as "Europe/Berlin")` },
      ]);
    }
    const cacheEntries = options.decisionCacheEntries ?? DEFAULT_DECISION_CACHE_ENTRIES;
    const prepared = preparePolicySet(await readPolicySource(options.dir), options.logger, cacheEntries);
    options.logger.info(
      { policyDir: options.dir, policySetHash: prepared.hash, policyIds: prepared.ids, timeZone },
      'Cedar policy set loaded',
    );
    return new PolicyEngine(options.dir, clock, options.logger, cacheEntries, prepared);
  }

  get policySetHash(): string {
    return this.current.hash;
  }

  get policyIds(): string[] {
    return [...this.current.ids];
  }

  /**
   * `call` decides whether the call may happen at all; if it may, `callWithoutApproval` decides
   * whether it runs now or waits for a human. Never throws: anything unexpected is a deny.
   */
  decideCall(input: CallPolicyInput): PolicyDecision {
    const set = this.current;
    const tool = input.tool.name;
    if (this.closed) return present(tool, 'deny', 'the policy engine is closed', [], set);
    let parts: CallRequests;
    try {
      parts = slimCallRequests(input, this.clock.facts(input.now), set.callFootprints);
      if (set.actionEntities.length > 0) {
        parts.call.entities.push(...set.actionEntities);
        parts.callWithoutApproval.entities.push(...set.actionEntities);
      }
    } catch (error) {
      return present(tool, 'deny', (error as Error).message, [], set);
    }
    const call = this.callVerdict(set, 'call', parts.call);
    if (!call.ok) return present(tool, 'deny', call.message, [], set);
    if (!call.allowed) return present(tool, 'deny', call.why ?? 'no policy permits this call', call.policyIds, set);
    const direct = this.callVerdict(set, 'callWithoutApproval', parts.callWithoutApproval);
    if (!direct.ok) return present(tool, 'deny', direct.message, [], set);
    if (direct.allowed) return present(tool, 'allow', direct.why ?? 'permitted', direct.policyIds, set);
    const why = direct.why ?? 'no policy permits calling this tool without approval';
    return present(tool, 'needs-approval', why, direct.policyIds, set);
  }

  /** May `approver` approve a pending call of `tool` made for `requester`? */
  decideApproval(input: ApprovalPolicyInput): ApprovalDecision {
    const set = this.current;
    let verdict: Verdict;
    try {
      verdict = this.authorize(set, 'approve', approvalRequest(input, this.clock.facts(input.now)), true);
    } catch (error) {
      verdict = { ok: false, message: (error as Error).message };
    }
    const allowed = verdict.ok && verdict.allowed;
    const head = `${input.approver.id} may${allowed ? '' : ' not'} approve ${input.tool.name} for ${input.requester.id}`;
    if (!verdict.ok) return { allowed, reason: `${head}: ${verdict.message}`, policyIds: [], policySetHash: set.hash };
    const why = this.explain(set, verdict) ?? (allowed ? 'permitted' : 'no policy allows them to approve it');
    return { allowed, reason: `${head}: ${why}`, policyIds: verdict.policyIds, policySetHash: set.hash };
  }

  /** Re-reads the folder and swaps the set if it is valid; never throws. Reloads run one at a time. */
  reload(): Promise<ReloadResult> {
    const run = this.reloading.then(() => this.reloadNow());
    this.reloading = run;
    return run;
  }

  /** Reloads on every change in the folder (debounced); returns a function that stops watching. */
  watch(): () => void {
    let timer: NodeJS.Timeout | undefined;
    // Any change triggers a reload, not only *.cedar names: editors save through temp files and
    // Kubernetes swaps a `..data` symlink. A reload that finds the same hash changes nothing.
    // Not persistent: watching alone does not keep the process alive.
    const watcher = watchFs(this.dir, { persistent: false }, () => {
      clearTimeout(timer);
      timer = setTimeout(() => void this.reload(), WATCH_DEBOUNCE_MS);
    });
    watcher.on('error', (error) =>
      this.logger.error({ err: error, policyDir: this.dir }, 'watching the policy folder failed'),
    );
    const stop = (): void => {
      clearTimeout(timer);
      watcher.close();
      this.stopWatchers.delete(stop);
    };
    this.stopWatchers.add(stop);
    return stop;
  }

  /** Stops watching and frees the preparsed set; every later decision is a deny. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stop of [...this.stopWatchers]) stop();
    freePreparedPolicySet(this.current);
  }

  /**
   * A call action's verdict, from the set's cache when this exact slim request was decided before
   * (a Cedar decision is a pure function of policy set and request), else from Cedar.
   */
  private callVerdict(
    set: PreparedPolicySet,
    action: PolicyAction,
    parts: RequestParts,
  ): (ExplainedVerdict & { ok: true }) | { ok: false; message: string } {
    const key = set.verdicts === undefined ? '' : `${action} ${JSON.stringify(parts)}`;
    const cached = set.verdicts?.get(key);
    if (cached !== undefined) return { ok: true, ...cached };
    // Slim requests are not typed against the schema: see cedarRequests.ts.
    const verdict = this.authorize(set, action, parts, false);
    if (!verdict.ok) return verdict;
    const explained = { allowed: verdict.allowed, policyIds: verdict.policyIds, why: this.explain(set, verdict) };
    set.verdicts?.set(key, explained);
    return { ok: true, ...explained };
  }

  private async reloadNow(): Promise<ReloadResult> {
    try {
      const source = await readPolicySource(this.dir);
      if (this.closed)
        throw new PolicyLoadError(this.dir, [{ file: this.dir, message: 'the policy engine is closed' }]);
      if (source.problems.length === 0 && source.hash === this.current.hash)
        return { ok: true, policySetHash: source.hash };
      const next = preparePolicySet(source, this.logger, this.cacheEntries);
      const previous = this.current;
      this.current = next;
      this.reportedErrors.clear();
      freePreparedPolicySet(previous);
      this.logger.info(
        { policyDir: this.dir, policySetHash: next.hash, previousPolicySetHash: previous.hash, policyIds: next.ids },
        'Cedar policy set reloaded',
      );
      return { ok: true, policySetHash: next.hash };
    } catch (thrown) {
      const error =
        thrown instanceof PolicyLoadError
          ? thrown
          : new PolicyLoadError(this.dir, [{ file: this.dir, message: String(thrown) }]);
      this.logger.error(
        { policyDir: this.dir, policySetHash: this.current.hash, problems: error.problems },
        `Cedar policy edit refused, keeping policy set ${this.current.hash}: ${error.message}`,
      );
      return { ok: false, error };
    }
  }

  /** One Cedar evaluation; `checked` types the request with the schema and validates it (slower). */
  private authorize(set: PreparedPolicySet, action: PolicyAction, parts: RequestParts, checked: boolean): Verdict {
    if (this.closed) return { ok: false, message: 'the policy engine is closed' };
    const answer = statefulIsAuthorized({
      principal: parts.principal,
      action: { type: ACTION_TYPE, id: action },
      resource: parts.resource,
      context: parts.context,
      entities: parts.entities,
      // Call actions go to their own slice of the set (same answer, fewer policies to visit).
      preparsedPolicySetId: action === 'approve' ? set.policySetId : set.callPolicySetIds[action],
      ...(checked ? { preparsedSchemaName: set.schemaName, validateRequest: true } : { validateRequest: false }),
    });
    if (answer.type === 'failure') {
      const message = `policy evaluation failed: ${answer.errors.map((error) => error.message).join('; ')}`;
      this.logger.error({ policySetHash: set.hash, action, errors: answer.errors }, message);
      return { ok: false, message };
    }
    const { decision, diagnostics } = answer.response;
    if (diagnostics.errors.length === 0) {
      return { ok: true, allowed: decision === 'allow', policyIds: [...diagnostics.reason].sort() };
    }
    // Cedar skips a policy whose evaluation fails. For a forbid that would fail open, so a forbid
    // that errs counts as matching: the call is denied or needs approval, never silently allowed.
    const errors = new Map(diagnostics.errors.map(({ policyId, error }) => [policyId, error.message]));
    for (const [policyId, message] of errors) this.reportEvaluationError(set, policyId, message);
    const failedForbids = [...errors.keys()].filter((id) => set.forbids.has(id)).sort();
    if (decision === 'allow' && failedForbids.length > 0)
      return { ok: true, allowed: false, policyIds: failedForbids, errors };
    return { ok: true, allowed: decision === 'allow', policyIds: [...diagnostics.reason].sort(), errors };
  }

  /** "reason (policy id); …" for the determining policies, or undefined when none determined it. */
  private explain(
    set: PreparedPolicySet,
    verdict: { policyIds: readonly string[]; errors?: ReadonlyMap<string, string> },
  ): string | undefined {
    if (verdict.policyIds.length === 0) return undefined;
    const because = (id: string): string => {
      const error = verdict.errors?.get(id);
      if (error !== undefined) return `policy ${id} could not be evaluated (${error}), so it counts as forbidding`;
      const reason = set.reasons.get(id);
      return reason === undefined ? `policy ${id}` : `${reason} (policy ${id})`;
    };
    return verdict.policyIds.map(because).join('; ');
  }

  private reportEvaluationError(set: PreparedPolicySet, policyId: string, message: string): void {
    if (this.reportedErrors.has(policyId)) return;
    this.reportedErrors.add(policyId);
    this.logger.warn(
      { policySetHash: set.hash, policyId, error: message },
      'Cedar policy raised an error and was skipped',
    );
  }
}
