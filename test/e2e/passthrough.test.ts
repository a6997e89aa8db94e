// End to end through the gateway to both example upstreams, once per MCP protocol revision:
// tools listed under their namespaces, calls forwarded with progress, cancellation relayed, and an
// audit record for every call in MongoDB.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectLegacyAgent, connectModernAgent, type TestAgent } from '../support/agents.ts';
import { auditRecords, textOf, waitForAudit } from '../support/audit.ts';
import { startGatewayStack, type GatewayStack } from '../support/gatewayStack.ts';

let stack: GatewayStack;
/** The checkout-api deployment of `version` as the upstream reports it, polled until it is `wanted` (or 6 s). */
async function deploymentStatus(agent: TestAgent, version: string, wanted: string): Promise<string> {
  let status = '';
  for (let attempt = 0; attempt < 60 && status !== wanted; attempt++) {
    const listed = await agent.call('deployments.list_deployments', { service: 'checkout-api', limit: 100 });
    const deployments = (JSON.parse(textOf(listed)) as { deployments: Array<{ version: string; status: string }> })
      .deployments;
    status = deployments.find((deployment) => deployment.version === version)?.status ?? '';
    if (status !== wanted) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return status;
}

let token: string;

before(async () => {
  stack = await startGatewayStack();
  ({ token } = await stack.grant());
});
after(async () => {
  await stack?.close();
});

const revisions: Array<[string, (url: string, token?: string) => Promise<TestAgent>]> = [
  ['2026-07-28', connectModernAgent],
  ['2025-11-25', connectLegacyAgent],
];

for (const [revision, connect] of revisions) {
  describe(`agent on MCP ${revision}`, () => {
    let agent: TestAgent;
    before(async () => {
      agent = await connect(stack.gateway.mcpUrl, token);
    });
    after(async () => {
      await agent?.close();
    });

    it('negotiates its own revision with the gateway', () => {
      assert.equal(agent.protocolVersion(), revision);
    });

    it("sees both upstreams' tools under their namespaces", async () => {
      const names = await agent.listToolNames();
      for (const expected of [
        'incidents.search_incidents',
        'incidents.delete_incident',
        'deployments.deploy',
        'deployments.list_deployments',
      ]) {
        assert.ok(names.includes(expected), `${expected} missing from ${names.join(', ')}`);
      }
      assert.ok(names.every((name) => /^(incidents|deployments)\.[a-z_]+$/.test(name)));
    });

    it('calls a tool on the stdio upstream and leaves an audit record', async () => {
      const before = new Date();
      const result = await agent.call('incidents.get_incident', { id: 'INC-1041' });
      assert.equal(result.isError ?? false, false, textOf(result));
      assert.match(textOf(result), /INC-1041/);
      const record = await waitForAudit(
        stack.mongo.db,
        { tool: 'incidents.get_incident', protocolVersion: revision },
        (r) => r.outcome === 'ok',
      );
      assert.equal(record.decision, 'allow');
      assert.equal(record.human, 'alice@example.com');
      assert.equal(record.agent, 'e2e-agent');
      assert.match(record.session ?? '', /^ses_/);
      assert.match(record.consentId ?? '', /^cns_/);
      assert.equal(record.tier, 'read');
      assert.deepEqual(record.policyIds, ['inside-consent-runs']);
      assert.match(record.policySetHash ?? '', /^sha256:/);
      assert.equal(record.upstream, 'incidents');
      assert.equal(record.upstreamTool, 'get_incident');
      assert.deepEqual(record.arguments, { id: 'INC-1041' });
      assert.match(record.argumentsHash, /^sha256:[0-9a-f]{64}$/);
      assert.match(record.toolDefinitionHash ?? '', /^sha256:/);
      assert.ok(record.time >= new Date(before.getTime() - 1000));
      assert.equal(typeof record.durationMs, 'number');
    });

    it("relays upstream progress on the agent's own request", async () => {
      const progress: number[] = [];
      const result = await agent.call(
        'deployments.deploy',
        { service: 'checkout-api', version: `9.${Date.now() % 1000}.0`, environment: 'staging', stageDelayMs: 20 },
        { onProgress: (event) => progress.push(event.progress) },
      );
      assert.equal(result.isError ?? false, false, textOf(result));
      assert.ok(progress.length >= 4, `expected 4 progress notifications, got ${progress.length}`);
      assert.deepEqual(
        progress,
        [...progress].sort((a, b) => a - b),
        'progress arrives in order',
      );
    });

    it('relays cancellation to the upstream and records it', async () => {
      const controller = new AbortController();
      const progress: number[] = [];
      const call = agent.call(
        'incidents.export_timeline',
        { steps: 50, delayMs: 100 },
        {
          signal: controller.signal,
          onProgress: (event) => {
            progress.push(event.progress);
            if (progress.length === 2) controller.abort();
          },
        },
      );
      await assert.rejects(call);
      const record = await waitForAudit(
        stack.mongo.db,
        { tool: 'incidents.export_timeline', protocolVersion: revision },
        (r) => r.outcome !== null,
      );
      assert.equal(record.outcome, 'cancelled');
      assert.ok(progress.length < 50);
    });

    it('relays cancellation to the HTTP upstream, which stops the deployment', async () => {
      const version = `7.${Date.now() % 1000}.${revision === '2026-07-28' ? 1 : 2}`;
      const controller = new AbortController();
      const call = agent.call(
        'deployments.deploy',
        { service: 'checkout-api', version, environment: 'staging', stageDelayMs: 300 },
        { signal: controller.signal, onProgress: () => controller.abort() },
      );
      await assert.rejects(call);
      const record = await waitForAudit(
        stack.mongo.db,
        { tool: 'deployments.deploy', protocolVersion: revision, 'arguments.version': version },
        (r) => r.outcome !== null,
      );
      assert.equal(record.outcome, 'cancelled');
      // The upstream saw its request stream close and stopped between stages.
      assert.equal(await deploymentStatus(agent, version, 'cancelled'), 'cancelled');
    });

    it('answers tools/call on the direct path and everything else through the SDK', async () => {
      const posts = async (): Promise<{ direct: number; sdk: number }> => {
        const text = await (await fetch(`${stack.gateway.listenUrl}/metrics`)).text();
        const count = (path: string) =>
          Number(new RegExp(`countersign_mcp_posts_total\\{path="${path}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
        return { direct: count('direct'), sdk: count('sdk') };
      };
      const before = await posts();
      await agent.call('deployments.list_deployments', {});
      await agent.call('incidents.get_incident', { id: 'INC-1041' });
      const afterCalls = await posts();
      assert.equal(afterCalls.direct - before.direct, 2);
      assert.equal(afterCalls.sdk - before.sdk, 0);
      await agent.listToolNames();
      const afterList = await posts();
      assert.equal(afterList.direct, afterCalls.direct);
      assert.ok(afterList.sdk > afterCalls.sdk, 'tools/list goes through the SDK');
    });

    it('redacts secret-looking arguments in the audit record but hashes the originals', async () => {
      await agent
        .call('incidents.add_comment', {
          id: 'INC-1041',
          author: 'agent',
          body: 'token is Bearer abc.def.ghi',
          apiKey: 'sk-live-123',
        })
        .catch(() => undefined);
      const record = await waitForAudit(stack.mongo.db, { tool: 'incidents.add_comment', protocolVersion: revision });
      const stored = JSON.stringify(record.arguments);
      assert.doesNotMatch(stored, /sk-live-123/);
      assert.doesNotMatch(stored, /abc\.def\.ghi/);
    });

    it('answers an unknown tool with an error that names it', async () => {
      const outcome = await agent.call('incidents.nope', {}).then(
        (result) => textOf(result),
        (error: Error) => error.message,
      );
      assert.match(outcome, /Unknown tool 'incidents\.nope'/);
      const record = await waitForAudit(stack.mongo.db, { tool: 'incidents.nope', protocolVersion: revision });
      assert.equal(record.decision, 'refused');
      assert.equal(record.error?.code, 'UNKNOWN_TOOL');
    });

    it('refuses oversized and too deeply nested arguments without forwarding', async () => {
      const big = await agent.call('incidents.search_incidents', { query: 'x'.repeat(300 * 1024) });
      assert.equal(big.isError, true);
      assert.match(textOf(big), /at most 262144/);
      let nested: Record<string, unknown> = { leaf: true };
      for (let i = 0; i < 40; i++) nested = { nested };
      const deep = await agent.call('incidents.search_incidents', { query: 'x', filter: nested });
      assert.equal(deep.isError, true);
      assert.match(textOf(deep), /nest deeper than 32/);
      const tooDeep = await waitForAudit(stack.mongo.db, {
        decision: 'refused',
        protocolVersion: revision,
        'error.code': 'ARGUMENTS_TOO_DEEP',
      });
      assert.equal(tooDeep.outcome, 'not-forwarded');
      assert.equal(tooDeep.arguments, '[NOT STORED: rejected arguments]');
      assert.ok(
        (await auditRecords(stack.mongo.db).countDocuments({
          protocolVersion: revision,
          'error.code': 'ARGUMENTS_TOO_LARGE',
        })) >= 1,
      );
    });
  });
}

describe('legacy MCP sessions', () => {
  it('ends a session on DELETE, after which its id is refused', async () => {
    const agent = await connectLegacyAgent(stack.gateway.mcpUrl, token);
    const sessionId = agent.sessionId?.();
    assert.ok(sessionId);
    await agent.close(); // terminateSession: DELETE /mcp with the session id
    const response = await fetch(stack.gateway.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(response.status, 404);
    assert.equal(stack.gateway.endpoint.legacySessionCount, 0);
  });
});

describe('legacy MCP sessions: notifications/cancelled', () => {
  it('cancels the matching in-flight call, which then gets no answer, and the upstream stops', async () => {
    const agent = await connectLegacyAgent(stack.gateway.mcpUrl, token);
    const sessionId = agent.sessionId?.();
    assert.ok(sessionId);
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-11-25',
      authorization: `Bearer ${token}`,
    };
    const version = `6.${Date.now() % 1000}.0`;
    const held = await fetch(stack.gateway.mcpUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'held-1',
        method: 'tools/call',
        params: {
          name: 'deployments.deploy',
          arguments: { service: 'search', version, environment: 'staging', stageDelayMs: 400 },
        },
      }),
    });
    assert.equal(held.headers.get('content-type'), 'text/event-stream');
    const cancel = await fetch(stack.gateway.mcpUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: 'held-1', reason: 'changed my mind' },
      }),
    });
    assert.equal(cancel.status, 202);
    assert.doesNotMatch(await held.text(), /"id":"held-1"/, 'a cancelled request is not answered');
    const record = await waitForAudit(
      stack.mongo.db,
      { tool: 'deployments.deploy', 'arguments.version': version },
      (r) => r.outcome !== null,
    );
    assert.equal(record.outcome, 'cancelled');
    await agent.close();
  });
});

describe('a session paused while its call runs', () => {
  it('has the call cancelled upstream, answered nothing, and audited as cancelled', async () => {
    const { token: own, sessionId } = await stack.grant();
    const version = `7.${Date.now() % 1000}.0`;
    const held = fetch(stack.gateway.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'deployments.deploy',
        authorization: `Bearer ${own}`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'paused-1',
        method: 'tools/call',
        params: {
          name: 'deployments.deploy',
          arguments: { service: 'checkout-api', version, environment: 'staging', stageDelayMs: 1500 },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 'pause-test', version: '0.1.0' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    }).then(
      async (response) => `HTTP ${response.status}: ${await response.text()}`,
      (error: Error) => `failed: ${error.message}`,
    );
    await waitForAudit(stack.mongo.db, { tool: 'deployments.deploy', 'arguments.version': version });
    const paused = Date.now();
    await stack.gateway.consentStore.pauseSession(sessionId, 'guardian', 'test: pause mid-call');
    const answer = await held;
    assert.ok(Date.now() - paused <= 1500, `cut off after ${Date.now() - paused} ms`);
    assert.doesNotMatch(answer, /"id":"paused-1"/, `a paused session's call must not be answered: ${answer}`);
    const record = await waitForAudit(
      stack.mongo.db,
      { tool: 'deployments.deploy', 'arguments.version': version },
      (r) => r.outcome !== null,
    );
    assert.equal(record.outcome, 'cancelled');
    await waitForAudit(stack.mongo.db, { 'error.code': 'OPEN_STREAMS_CLOSED', session: sessionId });
    // The upstream saw its request close and stopped the deployment between stages.
    const observer = await connectModernAgent(stack.gateway.mcpUrl, token);
    try {
      assert.equal(await deploymentStatus(observer, version, 'cancelled'), 'cancelled');
    } finally {
      await observer.close();
    }
  });
});

describe('HTTP edge of /mcp', () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(stack.gateway.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}`,
        ...headers,
      },
      body,
    });

  it('answers malformed JSON-RPC with a parse error', async () => {
    const response = await post('{"jsonrpc": "2.0", "method": ', { 'mcp-protocol-version': '2026-07-28' });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: number } };
    assert.equal(body.error.code, -32700);
  });

  it('refuses an unsupported protocol version and names the supported ones', async () => {
    const response = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2099-01-01',
            'io.modelcontextprotocol/clientCapabilities': {},
            'io.modelcontextprotocol/clientInfo': { name: 'probe', version: '1' },
          },
        },
      }),
      {
        'mcp-protocol-version': '2099-01-01',
      },
    );
    const text = await response.text();
    assert.ok(response.status >= 400, text);
    assert.match(text, /2099-01-01/);
    assert.match(text, /2026-07-28/);
  });

  it('rejects a foreign Host header (DNS rebinding) and a foreign Origin', async () => {
    const url = new URL(stack.gateway.mcpUrl);
    const rebinding = await new Promise<number>((resolve, reject) => {
      import('node:http')
        .then(({ request }) => {
          const req = request(
            {
              host: url.hostname,
              port: url.port,
              path: '/mcp',
              method: 'POST',
              headers: { host: 'evil.example:80', 'content-type': 'application/json' },
            },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          req.end('{}');
        })
        .catch(reject);
    });
    assert.equal(rebinding, 421);
    const origin = await post('{}', { origin: 'https://evil.example' });
    assert.equal(origin.status, 403);
  });

  it('refuses a request body over the limit before parsing it', async () => {
    const response = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', pad: 'x'.repeat(2 * 1024 * 1024) }),
      {
        'mcp-protocol-version': '2026-07-28',
      },
    );
    assert.equal(response.status, 413);
  });

  it('serves /healthz and /metrics', async () => {
    const health = await fetch(new URL('/healthz', stack.gateway.url));
    assert.equal(health.status, 200);
    const report = (await health.json()) as { status: string; dependencies: Record<string, { ok: boolean }> };
    assert.equal(report.dependencies['auditStore']?.ok, true);
    assert.equal(report.dependencies['upstream:incidents']?.ok, true);
    const metrics = await (await fetch(new URL('/metrics', stack.gateway.url))).text();
    assert.match(
      metrics,
      /countersign_tool_calls_total\{upstream="incidents",tool="incidents.get_incident",decision="allow",outcome="ok"\} \d+/,
    );
    assert.match(metrics, /countersign_audit_batch_size_bucket/);
    assert.match(metrics, /countersign_tool_call_duration_seconds_bucket/);
    assert.match(metrics, /countersign_open_sessions/);
  });

  it('never logs an Authorization header or bearer token', async () => {
    await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), {
      authorization: 'Bearer super-secret-token-value',
    });
    assert.ok(!stack.logs.join('').includes('super-secret-token-value'));
  });
});
