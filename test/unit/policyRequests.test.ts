// The engine's hot path sends Cedar slim requests (only what the policies can observe) and caches
// decisions. These tests hold that to account: on a policy set that reads nearly everything the
// schema offers, every decision must equal Cedar's answer to the full, schema-validated request.
// Also: the policy splitter and the footprint walk on their own.
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { policyToJson, preparsePolicySet, preparseSchema, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { pino } from 'pino';
import { callRequest } from '../../gateway/policy/cedarRequests.ts';
import { policyFootprint, prune } from '../../gateway/policy/policyFootprint.ts';
import { PolicyEngine } from '../../gateway/policy/policyEngine.ts';
import { readPolicySource } from '../../gateway/policy/policySource.ts';
import type { PolicySource } from '../../gateway/policy/policySource.ts';
import { lineAndColumn, splitPolicies, utf16Offset } from '../../gateway/policy/policySplitter.ts';
import type { CallPolicyInput, HumanFacts, PolicyDecision, Tier, ToolFacts } from '../../gateway/policy/types.ts';
import { WallClock } from '../../gateway/policy/wallClock.ts';

const POLICY_DIR = join(import.meta.dirname, '..', '..', 'policies');
const silent = pino({ level: 'silent' });

// Policies that look at principals, groups, agent, session, arguments, ticket, upstream,
// annotations, weekday, epoch seconds, whole records and `has`: every way slimming could go wrong.
const OBSERVANT_POLICIES = `
@id("contractors-no-destructive")
forbid (principal in Countersign::Group::"contractors", action == Countersign::Action::"call", resource)
when { resource.tier == "destructive" };

@id("ci-bot-reads-only")
forbid (principal, action == Countersign::Action::"callWithoutApproval", resource)
when { context.agent == "ci-bot" && resource.tier != "read" };

@id("big-or-sql-arguments")
forbid (principal, action == Countersign::Action::"callWithoutApproval", resource)
when { context.args.sizeBytes > 4096 || context.args.keys.contains("sql") };

@id("writes-need-a-ticket")
forbid (principal, action == Countersign::Action::"callWithoutApproval", resource)
when { resource.tier == "write" && !context.consent.hasTicket };

@id("mallory-blocked")
forbid (principal == Countersign::Human::"mallory@example.com", action, resource);

@id("prod-non-idempotent")
forbid (principal, action == Countersign::Action::"callWithoutApproval", resource)
when { resource.upstream like "prod-*" && !resource.idempotent };

@id("nuke-blocked")
forbid (principal, action == Countersign::Action::"call", resource == Countersign::Tool::"incidents.nuke");

@id("weekend-lock")
forbid (principal, action == Countersign::Action::"callWithoutApproval", resource)
when { context.time.weekday == 0 || context.time.weekday == 6 };

@id("whole-consent-record")
forbid (principal, action == Countersign::Action::"call", resource)
when { context.consent == { id: "cns-evil", coversTool: true, maxTier: "write", maxTierRank: 1, reason: "x", hasTicket: false } };

@id("banned-session")
forbid (principal, action == Countersign::Action::"call", resource)
when { context has session && context.session == "sess-banned" };

@id("sre-open-world-reads")
permit (principal in Countersign::Group::"sre", action == Countersign::Action::"callWithoutApproval", resource)
when { resource.openWorld && resource.tier == "read" && context.time.epochSeconds > 0 };
`;

const humans: HumanFacts[] = [
  { id: 'alice@example.com', groups: ['engineering'] },
  { id: 'mallory@example.com', groups: ['engineering'] },
  { id: 'dave@example.com', groups: ['contractors'] },
  { id: 'carol@example.com', groups: ['sre', 'approvers'] },
];
const tools: ToolFacts[] = [
  { name: 'incidents.search', upstream: 'incidents', tier: 'read', annotations: { readOnlyHint: true } },
  {
    name: 'incidents.search_web',
    upstream: 'incidents',
    tier: 'read',
    annotations: { readOnlyHint: true, openWorldHint: true },
  },
  {
    name: 'incidents.close',
    upstream: 'incidents',
    tier: 'write',
    annotations: { idempotentHint: true, openWorldHint: false },
  },
  { name: 'incidents.delete', upstream: 'incidents', tier: 'destructive', annotations: { destructiveHint: true } },
  { name: 'prod-db.update', upstream: 'prod-db', tier: 'write', annotations: {} },
  { name: 'incidents.nuke', upstream: 'incidents', tier: 'read', annotations: {} },
];
const tiers: Tier[] = ['read', 'write', 'destructive'];
const times = [new Date('2025-06-04T10:15:00Z'), new Date('2025-06-04T20:00:00Z'), new Date('2025-06-07T11:00:00Z')];
const argumentSummaries = [
  { keys: ['query'], sizeBytes: 40 },
  { keys: ['sql', 'limit'], sizeBytes: 80 },
  { keys: ['payload'], sizeBytes: 10_000 },
];

/** A deterministic pseudo-random pick, so a failure reproduces. */
function* inputs(count: number): Generator<CallPolicyInput> {
  let seed = 42;
  const pick = <T>(items: readonly T[]): T => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return items[(seed >>> 16) % items.length] as T; // the low bits of an LCG cycle quickly
  };
  for (let i = 0; i < count; i += 1) {
    const ticket = pick([undefined, 'INC-7']);
    const evil = pick([false, false, false, true]);
    yield {
      human: pick(humans),
      agent: pick(['claude-code', 'ci-bot']),
      session: pick(['sess-1', 'sess-banned', 'sess-2']),
      tool: pick(tools),
      consent: {
        id: evil ? 'cns-evil' : 'cns-1',
        toolPatterns: ['*'],
        maxTier: evil ? 'write' : pick(tiers),
        coversTool: evil ? true : pick([true, true, false]),
        reason: evil ? 'x' : 'triage',
        ...(evil || ticket === undefined ? {} : { ticket }),
      },
      now: pick(times),
      argumentSummary: pick(argumentSummaries),
    };
  }
}

/**
 * What Cedar says to the full request (every entity, attribute and context field), typed and
 * validated against the schema: the engine must agree. Preparsed under names of its own.
 */
function referenceDecider(source: PolicySource, name: string) {
  const staticPolicies = Object.fromEntries(source.policies.map((policy) => [policy.id, policy.text]));
  assert.equal(preparseSchema(`reference-schema-${name}`, source.schemaText).type, 'success');
  assert.equal(preparsePolicySet(`reference-policies-${name}`, { staticPolicies }).type, 'success');
  return (input: CallPolicyInput): Pick<PolicyDecision, 'decision' | 'policyIds'> => {
    const parts = callRequest(input, new WallClock('UTC').facts(input.now));
    const ask = (action: string) => {
      const answer = statefulIsAuthorized({
        ...parts,
        action: { type: 'Countersign::Action', id: action },
        preparsedPolicySetId: `reference-policies-${name}`,
        preparsedSchemaName: `reference-schema-${name}`,
        validateRequest: true,
      });
      assert.ok(answer.type === 'success', JSON.stringify(answer));
      assert.deepEqual(answer.response.diagnostics.errors, []);
      return { allowed: answer.response.decision === 'allow', ids: [...answer.response.diagnostics.reason].sort() };
    };
    const call = ask('call');
    if (!call.allowed) return { decision: 'deny', policyIds: call.ids };
    const direct = ask('callWithoutApproval');
    return { decision: direct.allowed ? 'allow' : 'needs-approval', policyIds: direct.ids };
  };
}

describe('slim requests and the decision cache agree with Cedar on full requests', () => {
  let dir: string;
  let source: PolicySource;
  let cached: PolicyEngine;
  let uncached: PolicyEngine;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'countersign-policy-observant-'));
    await cp(POLICY_DIR, dir, { recursive: true });
    await writeFile(join(dir, 'observant.cedar'), OBSERVANT_POLICIES);
    source = await readPolicySource(dir);
    cached = await PolicyEngine.load({ dir, logger: silent });
    uncached = await PolicyEngine.load({ dir, logger: silent, decisionCacheEntries: 0 });
  });
  after(async () => {
    cached.close();
    uncached.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('on the shipped policies plus observant ones, for 500 varied calls', () => {
    const referenceDecision = referenceDecider(source, 'observant');
    const seen = new Set<string>();
    for (const input of inputs(500)) {
      const expected = referenceDecision(input);
      for (const engine of [uncached, cached, cached]) {
        const actual = engine.decideCall(input);
        assert.deepEqual({ decision: actual.decision, policyIds: actual.policyIds }, expected, JSON.stringify(input));
      }
      for (const id of expected.policyIds) seen.add(id);
    }
    // The sample exercised the observant policies, not just the defaults.
    const observant = [...OBSERVANT_POLICIES.matchAll(/@id\("([^"]+)"\)/g)].map((match) => match[1] ?? '');
    for (const id of observant) {
      assert.ok(seen.has(id), `no sampled call was decided by ${id}`);
    }
  });

  it('on the shipped policies alone', async () => {
    const referenceDecision = referenceDecider(await readPolicySource(POLICY_DIR), 'shipped');
    const engine = await PolicyEngine.load({ dir: POLICY_DIR, logger: silent });
    try {
      for (const input of inputs(200)) {
        const actual = engine.decideCall(input);
        assert.deepEqual({ decision: actual.decision, policyIds: actual.policyIds }, referenceDecision(input));
      }
    } finally {
      engine.close();
    }
  });
});

describe('policyFootprint', () => {
  const json = (text: string): PolicyJson => {
    const answer = policyToJson(text);
    assert.ok(answer.type === 'success', JSON.stringify(answer));
    return answer.json;
  };

  it('keeps only the context paths and attributes a policy of the action reads', () => {
    const footprint = policyFootprint(
      [
        json(
          'permit (principal, action == NS::Action::"a", resource) when { context.x.y == 1 && resource.tier == "t" };',
        ),
        json(
          'permit (principal, action == NS::Action::"b", resource) when { context.z == 1 && principal in NS::G::"g" };',
        ),
      ],
      ['a'],
    );
    assert.deepEqual(prune({ x: { y: 1, q: 2 }, z: 3 }, footprint.context), { x: { y: 1 } });
    assert.deepEqual([...footprint.attributeNames].sort(), ['tier', 'x', 'y']);
    assert.equal(footprint.usesHierarchy, false);
    assert.equal(footprint.usesPrincipalId, false);
    assert.equal(footprint.usesResourceId, false);
  });

  it('sends whole values when a policy uses them whole', () => {
    const footprint = policyFootprint(
      [
        json(
          'permit (principal, action, resource) when { context.x == {"y": 1} && (if true then context else context).q == 1 };',
        ),
      ],
      ['a'],
    );
    assert.equal(footprint.context, true);
  });

  it('notices membership tests and identity comparisons', () => {
    const footprint = policyFootprint(
      [json('forbid (principal in NS::G::"g", action, resource) when { resource == NS::T::"t" };')],
      ['a'],
    );
    assert.equal(footprint.usesHierarchy, true);
    assert.equal(footprint.usesPrincipalId, true);
    assert.equal(footprint.usesResourceId, true);
  });

  it('reads `has` paths and attribute names inside record literals', () => {
    const footprint = policyFootprint(
      [json('permit (principal, action, resource) when { context.a has b && {"Var": context.c}.Var == 1 };')],
      ['a'],
    );
    assert.deepEqual(prune({ a: { b: 1, x: 2 }, c: 3, d: 4 }, footprint.context), { a: { b: 1 }, c: 3 });
  });
});

describe('splitPolicies', () => {
  it('splits on semicolons outside strings and comments, keeping file offsets', () => {
    const source = [
      '// header; with a semicolon',
      '@id("a;b") permit (principal, action, resource) when { context.s like "x;*" };',
      '',
      '  forbid (principal, action, resource) // trailing; comment',
      '  when { context.s == "escaped \\" ; quote" };',
      'permit (principal, action, resource)',
    ].join('\n');
    const chunks = splitPolicies(source);
    assert.equal(chunks.length, 3);
    assert.match(chunks[0]?.text ?? '', /^@id\("a;b"\) permit .*"x;\*" \};$/);
    assert.deepEqual(lineAndColumn(source, chunks[1]?.offset ?? -1), { line: 4, column: 3 });
    assert.match(chunks[1]?.text ?? '', /quote" \};$/);
    assert.equal(chunks[2]?.text, 'permit (principal, action, resource)');
  });

  it("turns Cedar's UTF-8 byte offsets into string offsets", () => {
    const text = 'when { context.x == "ééé" && zz }';
    assert.equal(utf16Offset(text, Buffer.byteLength(text.slice(0, text.indexOf('zz')))), text.indexOf('zz'));
  });
});
