// The Cedar policy engine on the shipped policies (policies/): call and approval decisions, the
// ids and hash they carry, load errors that name file and policy, hot reload and watching.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { PolicyEngine, PolicyLoadError } from '../../gateway/policy/policyEngine.ts';
import type { CallPolicyInput, HumanFacts, Tier, ToolFacts } from '../../gateway/policy/types.ts';

const POLICY_DIR = join(import.meta.dirname, '..', '..', 'policies');

// 2025-06-04 is a Wednesday.
const WEDNESDAY_10_UTC = new Date('2025-06-04T10:15:00Z');
const WEDNESDAY_20_UTC = new Date('2025-06-04T20:00:00Z');
const SATURDAY_11_UTC = new Date('2025-06-07T11:00:00Z');

const alice: HumanFacts = { id: 'alice@example.com', groups: ['engineering'] };
const bob: HumanFacts = { id: 'bob@example.com', groups: ['approvers', 'sre'] };
const carol: HumanFacts = { id: 'carol@example.com', groups: ['sre'] };

function tool(name: string, tier: Tier): ToolFacts {
  return { name: `incidents.${name}`, upstream: 'incidents', tier, annotations: { readOnlyHint: tier === 'read' } };
}
const searchIncidents = tool('search_incidents', 'read');
const closeIncident = tool('close_incident', 'write');
const deleteIncident = tool('delete_incident', 'destructive');

function callInput(
  overrides: Partial<CallPolicyInput> & { maxTier?: Tier; coversTool?: boolean } = {},
): CallPolicyInput {
  const { maxTier = 'write', coversTool = true, ...rest } = overrides;
  return {
    human: alice,
    agent: 'claude-code',
    session: 'sess-1',
    tool: searchIncidents,
    consent: {
      id: 'cns-1',
      toolPatterns: ['incidents.*'],
      maxTier,
      coversTool,
      reason: 'triage INC-42',
      ticket: 'INC-42',
    },
    now: WEDNESDAY_10_UTC,
    argumentSummary: { keys: ['query'], sizeBytes: 24 },
    ...rest,
  };
}

/** A pino logger whose records land in `records`, for asserting what gets logged. */
function capturingLogger(): { logger: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => records.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, records };
}

const silent = pino({ level: 'silent' });

async function copyOfPolicies(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'countersign-policy-'));
  await cp(POLICY_DIR, dir, { recursive: true });
  return dir;
}

async function loadError(dir: string): Promise<PolicyLoadError> {
  const error: unknown = await PolicyEngine.load({ dir, logger: silent }).then(
    (engine) => {
      engine.close();
      return undefined;
    },
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof PolicyLoadError, `expected a PolicyLoadError, got ${String(error)}`);
  assert.equal(error.code, 'POLICY_INVALID');
  return error;
}

async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('PolicyEngine on the shipped policies', () => {
  let engine: PolicyEngine;
  before(async () => {
    engine = await PolicyEngine.load({ dir: POLICY_DIR, logger: silent });
  });
  after(() => engine.close());

  it('names every policy by its @id and hashes the set', () => {
    assert.deepEqual(engine.policyIds, [
      'above-consent-tier-needs-approval',
      'approvers-group-may-approve',
      'call-inside-consent',
      'destructive-needs-approval',
      'no-self-approval',
      'outside-consent-denied',
      'reads-inside-consent',
      'writes-in-business-hours',
      'writes-outside-business-hours-need-approval',
    ]);
    assert.match(engine.policySetHash, /^sha256:[0-9a-f]{64}$/);
  });

  it('allows reads inside the consent, in and out of business hours', () => {
    for (const now of [WEDNESDAY_10_UTC, WEDNESDAY_20_UTC, SATURDAY_11_UTC]) {
      const decision = engine.decideCall(callInput({ now }));
      assert.equal(decision.decision, 'allow', decision.reason);
      assert.deepEqual(decision.policyIds, ['reads-inside-consent']);
      assert.equal(decision.policySetHash, engine.policySetHash);
      assert.equal(
        decision.reason,
        'incidents.search_incidents is allowed: read-only tools inside the consent run without approval (policy reads-inside-consent)',
      );
    }
  });

  it('allows writes inside the consent during business hours', () => {
    const decision = engine.decideCall(callInput({ tool: closeIncident }));
    assert.equal(decision.decision, 'allow', decision.reason);
    assert.deepEqual(decision.policyIds, ['writes-in-business-hours']);
  });

  it('sends writes outside business hours (evenings, weekends) for approval', () => {
    for (const now of [WEDNESDAY_20_UTC, SATURDAY_11_UTC]) {
      const decision = engine.decideCall(callInput({ tool: closeIncident, now }));
      assert.equal(decision.decision, 'needs-approval', decision.reason);
      assert.deepEqual(decision.policyIds, ['writes-outside-business-hours-need-approval']);
      assert.match(decision.reason, /^incidents\.close_incident requires approval: writes outside business hours/);
    }
  });

  it('sends writes above the consent tier for approval', () => {
    const decision = engine.decideCall(callInput({ tool: closeIncident, maxTier: 'read' }));
    assert.equal(decision.decision, 'needs-approval', decision.reason);
    assert.deepEqual(decision.policyIds, ['above-consent-tier-needs-approval']);
  });

  it('always sends destructive tools for approval, whatever the consent or the hour', () => {
    for (const now of [WEDNESDAY_10_UTC, WEDNESDAY_20_UTC]) {
      const decision = engine.decideCall(callInput({ tool: deleteIncident, maxTier: 'destructive', now }));
      assert.equal(decision.decision, 'needs-approval', decision.reason);
      assert.ok(decision.policyIds.includes('destructive-needs-approval'));
    }
    const inHours = engine.decideCall(callInput({ tool: deleteIncident, maxTier: 'destructive' }));
    assert.equal(
      inHours.reason,
      "incidents.delete_incident requires approval: destructive tools always need a human's approval (policy destructive-needs-approval)",
    );
    const aboveTier = engine.decideCall(callInput({ tool: deleteIncident, maxTier: 'write' }));
    assert.deepEqual(aboveTier.policyIds, ['above-consent-tier-needs-approval', 'destructive-needs-approval']);
  });

  it('denies calls outside the consent, of any tier, naming the policy and what would allow it', () => {
    for (const outside of [searchIncidents, closeIncident, deleteIncident]) {
      const decision = engine.decideCall(callInput({ tool: outside, coversTool: false }));
      assert.equal(decision.decision, 'deny', decision.reason);
      assert.deepEqual(decision.policyIds, ['outside-consent-denied']);
      assert.match(
        decision.reason,
        /is denied: the tool is not covered by this session's consent; the human must grant/,
      );
      assert.match(decision.reason, /\(policy outside-consent-denied\)$/);
    }
  });

  it('gives the same answer from its decision cache as from Cedar', async () => {
    const uncached = await PolicyEngine.load({ dir: POLICY_DIR, logger: silent, decisionCacheEntries: 0 });
    try {
      for (const input of [
        callInput(),
        callInput({ tool: closeIncident, now: WEDNESDAY_20_UTC }),
        callInput({ tool: deleteIncident, human: carol }),
        callInput({ coversTool: false }),
      ]) {
        const first = engine.decideCall(input);
        assert.deepEqual(engine.decideCall(input), first);
        assert.deepEqual(uncached.decideCall(input), first);
      }
    } finally {
      uncached.close();
    }
  });

  it('fails closed on input it cannot evaluate', () => {
    const decision = engine.decideCall(callInput({ now: new Date('not a date') }));
    assert.equal(decision.decision, 'deny');
    assert.match(decision.reason, /not a valid date/);
  });
});

describe('business hours follow the configured time zone', () => {
  it('uses the IANA zone for hour and weekday', async () => {
    const newYork = await PolicyEngine.load({ dir: POLICY_DIR, timeZone: 'America/New_York', logger: silent });
    const utc = await PolicyEngine.load({ dir: POLICY_DIR, logger: silent });
    try {
      // 20:00 UTC is 16:00 in New York (EDT): still business hours there.
      const input = callInput({ tool: closeIncident, now: WEDNESDAY_20_UTC });
      assert.equal(newYork.decideCall(input).decision, 'allow');
      assert.equal(utc.decideCall(input).decision, 'needs-approval');
      // 13:30 UTC is 09:30 in New York, 12:30 UTC is 08:30: the working day starts at 09:00.
      assert.equal(newYork.decideCall({ ...input, now: new Date('2025-06-04T13:30:00Z') }).decision, 'allow');
      assert.equal(newYork.decideCall({ ...input, now: new Date('2025-06-04T12:30:00Z') }).decision, 'needs-approval');
    } finally {
      newYork.close();
      utc.close();
    }
  });

  it('refuses an unknown time zone at load', async () => {
    const error = await PolicyEngine.load({ dir: POLICY_DIR, timeZone: 'Mars/Olympus', logger: silent }).catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof PolicyLoadError);
    assert.match(error.message, /unknown time zone "Mars\/Olympus"/);
  });
});

describe('approver checks', () => {
  let engine: PolicyEngine;
  before(async () => {
    engine = await PolicyEngine.load({ dir: POLICY_DIR, logger: silent });
  });
  after(() => engine.close());
  const approval = (approver: HumanFacts, requester: HumanFacts) =>
    engine.decideApproval({
      approver,
      requester,
      agent: 'claude-code',
      session: 'sess-1',
      tool: deleteIncident,
      now: WEDNESDAY_10_UTC,
    });

  it('lets a member of the approvers group approve someone else', () => {
    const decision = approval(bob, alice);
    assert.equal(decision.allowed, true, decision.reason);
    assert.deepEqual(decision.policyIds, ['approvers-group-may-approve']);
    assert.equal(decision.policySetHash, engine.policySetHash);
    assert.match(
      decision.reason,
      /^bob@example\.com may approve incidents\.delete_incident for alice@example\.com: members/,
    );
  });

  it('refuses self-approval, even by an approver', () => {
    const decision = approval(bob, bob);
    assert.equal(decision.allowed, false);
    assert.deepEqual(decision.policyIds, ['no-self-approval']);
    assert.match(decision.reason, /may not approve .*: nobody may approve a call made on their own behalf/);
  });

  it('refuses someone outside the approvers group', () => {
    const decision = approval(carol, alice);
    assert.equal(decision.allowed, false);
    assert.deepEqual(decision.policyIds, []);
    assert.match(
      decision.reason,
      /^carol@example\.com may not approve incidents\.delete_incident for alice@example\.com: no policy/,
    );
  });
});

describe('invalid policy folders', () => {
  let dir: string;
  before(async () => {
    dir = await copyOfPolicies();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the file, line, policy and Cedar error for a policy that does not fit the schema', async () => {
    const file = join(dir, 'typo.cedar');
    await writeFile(
      file,
      [
        '// a typo in an attribute name',
        '@id("typo-policy")',
        'forbid (principal, action == Countersign::Action::"call", resource)',
        '  when { resource.tierx == "write" };',
        '',
      ].join('\n'),
    );
    try {
      const error = await loadError(dir);
      assert.equal(error.problems.length, 1);
      const [problem] = error.problems;
      assert.equal(problem?.file, file);
      assert.equal(problem?.policyId, 'typo-policy');
      assert.equal(problem?.line, 4);
      assert.match(
        error.message,
        new RegExp(`${file.replace(/[.]/g, '\\.')}:4:\\d+ policy "typo-policy": .*attribute \`tierx\``),
      );
      assert.match(error.message, /did you mean `tier`\?/);
    } finally {
      await rm(file);
    }
  });

  it('names the file and position of a syntax error, with a <file-stem>.<index> id', async () => {
    const file = join(dir, 'broken.cedar');
    await writeFile(file, 'permit (principal, action, resource);\n\npermit (principal action, resource);\n');
    try {
      const error = await loadError(dir);
      const [problem] = error.problems;
      assert.equal(problem?.file, file);
      assert.equal(problem?.policyId, 'broken.1');
      assert.equal(problem?.line, 3);
      assert.match(error.message, /broken\.cedar:3:\d+ policy "broken\.1": .*unexpected token/);
    } finally {
      await rm(file);
    }
  });

  it('refuses duplicate policy ids across files', async () => {
    const file = join(dir, 'again.cedar');
    await writeFile(file, '@id("reads-inside-consent")\npermit (principal, action, resource);\n');
    try {
      const error = await loadError(dir);
      // Files load in name order, so the second occurrence is the one in tiers.cedar.
      assert.match(
        error.message,
        /tiers\.cedar:5:1 policy "reads-inside-consent": duplicate policy id \(also in .*again\.cedar\)/,
      );
    } finally {
      await rm(file);
    }
  });

  it('names the schema file and position of a schema error', async () => {
    const schemaFile = join(dir, 'schema.cedarschema');
    const original = await readFile(schemaFile, 'utf8');
    await writeFile(schemaFile, original.replace('tierRank: Long', 'tierRank: Lung'));
    try {
      const error = await loadError(dir);
      const line = original.split('\n').findIndex((text) => text.includes('tierRank: Long')) + 1;
      assert.match(error.message, new RegExp(`schema\\.cedarschema:${line}:\\d+: failed to resolve type: Lung`));
    } finally {
      await writeFile(schemaFile, original);
    }
  });

  it('refuses a schema that no longer describes the requests the gateway sends', async () => {
    const schemaFile = join(dir, 'schema.cedarschema');
    const original = await readFile(schemaFile, 'utf8');
    await writeFile(schemaFile, original.replace('upstream: String,', 'upstream: String,\n    owner: String,'));
    try {
      const error = await loadError(dir);
      assert.match(
        error.message,
        /schema\.cedarschema: the schema does not describe the requests Countersign sends: action "call": /,
      );
      assert.match(error.message, /owner/);
    } finally {
      await writeFile(schemaFile, original);
    }
  });

  it('refuses a folder without a schema', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'countersign-policy-empty-'));
    try {
      const error = await loadError(empty);
      assert.match(error.message, /schema\.cedarschema: cannot read the Cedar schema/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('a forbid policy that fails to evaluate', () => {
  it('counts as matching, so the call is never silently allowed', async () => {
    const dir = await copyOfPolicies();
    const capture = capturingLogger();
    // Overflows (an evaluation error) for any argument size of 2 bytes or more.
    await writeFile(
      join(dir, 'overflow.cedar'),
      [
        '@id("overflowing-forbid")',
        'forbid (principal, action == Countersign::Action::"callWithoutApproval", resource)',
        '  when { context.args.sizeBytes * 4611686018427387904 > 0 };',
        '',
      ].join('\n'),
    );
    const engine = await PolicyEngine.load({ dir, logger: capture.logger });
    try {
      const decision = engine.decideCall(callInput());
      assert.equal(decision.decision, 'needs-approval', decision.reason);
      assert.deepEqual(decision.policyIds, ['overflowing-forbid']);
      assert.match(
        decision.reason,
        /policy overflowing-forbid could not be evaluated \(.*overflow.*\), so it counts as forbidding/,
      );
      assert.ok(
        capture.records.some((record) => record['policyId'] === 'overflowing-forbid' && record['level'] === 40),
      );
      // Without the overflow it evaluates normally: 0 * … > 0 is false, so it does not match.
      const small = engine.decideCall(callInput({ argumentSummary: { keys: [], sizeBytes: 0 } }));
      assert.equal(small.decision, 'allow', small.reason);
    } finally {
      engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('hot reload', () => {
  let dir: string;
  let engine: PolicyEngine;
  let records: Array<Record<string, unknown>>;
  before(async () => {
    dir = await copyOfPolicies();
    const capture = capturingLogger();
    records = capture.records;
    engine = await PolicyEngine.load({ dir, logger: capture.logger });
  });
  after(async () => {
    engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  const write = callInput({ tool: closeIncident });
  const freeze = [
    '@id("change-freeze")',
    '@reason("a change freeze is in force until Monday")',
    'forbid (principal, action == Countersign::Action::"call", resource) when { resource.tier == "write" };',
    '',
  ].join('\n');

  it('swaps in a valid edit', async () => {
    const before = engine.policySetHash;
    assert.equal(engine.decideCall(write).decision, 'allow');
    await writeFile(join(dir, 'freeze.cedar'), freeze);
    const result = await engine.reload();
    assert.ok(result.ok);
    assert.notEqual(result.policySetHash, before);
    assert.equal(engine.policySetHash, result.policySetHash);
    assert.ok(engine.policyIds.includes('change-freeze'));
    const decision = engine.decideCall(write);
    assert.equal(decision.decision, 'deny');
    assert.deepEqual(decision.policyIds, ['change-freeze']);
    assert.equal(decision.policySetHash, result.policySetHash);
    assert.equal(
      decision.reason,
      'incidents.close_incident is denied: a change freeze is in force until Monday (policy change-freeze)',
    );
  });

  it('keeps the running set when an edit is invalid, and says exactly what is wrong', async () => {
    const hash = engine.policySetHash;
    const file = join(dir, 'freeze.cedar');
    await writeFile(file, freeze.replace('resource.tier ==', 'resource.teir =='));
    const result = await engine.reload();
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.error instanceof PolicyLoadError);
    assert.match(result.error.message, /freeze\.cedar:3:\d+ policy "change-freeze": .*attribute `teir`/);
    assert.equal(engine.policySetHash, hash);
    assert.deepEqual(engine.decideCall(write).policyIds, ['change-freeze']);
    const logged = records.find(
      (record) => record['level'] === 50 && String(record['msg']).includes('Cedar policy edit refused'),
    );
    assert.ok(logged, 'the refused edit is logged as an error');
    assert.match(String(logged['msg']), /keeping policy set sha256:[\s\S]*freeze\.cedar:3:\d+ policy "change-freeze"/);
  });

  it('reports "unchanged" cheaply when nothing changed', async () => {
    await writeFile(join(dir, 'freeze.cedar'), freeze);
    const first = await engine.reload();
    const second = await engine.reload();
    assert.ok(first.ok && second.ok);
    assert.equal(first.policySetHash, second.policySetHash);
  });

  it('watch() picks up an edit and stop() ends watching', async () => {
    const stop = engine.watch();
    try {
      const hash = engine.policySetHash;
      await rm(join(dir, 'freeze.cedar'));
      await eventually(() => engine.policySetHash !== hash, 'the watcher to reload');
      assert.equal(engine.decideCall(write).decision, 'allow');
      assert.ok(!engine.policyIds.includes('change-freeze'));
    } finally {
      stop();
    }
    const hash = engine.policySetHash;
    await writeFile(join(dir, 'freeze.cedar'), freeze);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(engine.policySetHash, hash, 'no reload after stop()');
  });

  it('denies everything after close()', async () => {
    const closing = await PolicyEngine.load({ dir: POLICY_DIR, logger: silent });
    closing.close();
    const decision = closing.decideCall(callInput());
    assert.equal(decision.decision, 'deny');
    assert.match(decision.reason, /closed/);
  });
});
