// What happens when a dependency dies: the audit store (calls fail closed, nothing forwarded,
// recovery on its own) and an upstream (clear error, reconnect after restart). Also: tool-list
// changes upstream reach agents of both revisions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectLegacyAgent, connectModernAgent, type TestAgent } from '../support/agents.ts';
import { findAuditRecords } from '../../audit/auditReader.ts';
import { textOf, waitForAudit } from '../support/audit.ts';
import { startGatewayStack, type GatewayStack } from '../support/gatewayStack.ts';

let stack: GatewayStack;
let modern: TestAgent;
let legacy: TestAgent;
let token: string;

before(async () => {
  stack = await startGatewayStack();
  ({ token } = await stack.grant());
  modern = await connectModernAgent(stack.gateway.mcpUrl, token);
  legacy = await connectLegacyAgent(stack.gateway.mcpUrl, token);
});
after(async () => {
  await modern?.close();
  await legacy?.close();
  await stack?.close();
});

function errorCode(result: { _meta?: Record<string, unknown> }): string | undefined {
  return (result._meta?.['countersign/error'] as { code?: string } | undefined)?.code;
}

async function replicasOf(agent: TestAgent, service: string): Promise<number> {
  const result = await agent.call('deployments.list_deployments', {});
  const parsed = JSON.parse(textOf(result)) as {
    running: Array<{ service: string; environment: string; replicas: number }>;
  };
  return parsed.running.find((row) => row.service === service && row.environment === 'staging')?.replicas ?? Number.NaN;
}

/** Retries until `ok` (a thrown attempt counts as not yet); the last attempt's outcome is returned or thrown. */
async function eventually<T>(attempt: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await attempt();
      if (ok(value) || Date.now() > deadline) return value;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A tools/call sent as raw HTTP, so a refused request is read as the agent's client would receive it. */
async function rawCall(
  token: string,
  name: string,
  args: Record<string, unknown>,
  legacySessionId?: string,
): Promise<{ status: number; text: string }> {
  const envelope = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  };
  const response = await fetch(stack.gateway.mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
      ...(legacySessionId
        ? { 'mcp-session-id': legacySessionId, 'mcp-protocol-version': '2025-11-25' }
        : { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name }),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name, arguments: args, ...(legacySessionId ? {} : { _meta: envelope }) },
    }),
  });
  return { status: response.status, text: await response.text() };
}

describe('audit store killed mid-run', () => {
  it('refuses calls with a clear error, forwards nothing, and recovers after restart', async () => {
    const before = await replicasOf(modern, 'checkout-api');
    assert.ok(Number.isFinite(before), 'deployments reports replicas');

    // The raw requests below are well-formed for both revisions: with the store up they succeed.
    for (const sessionId of [undefined, legacy.sessionId?.()]) {
      const ok = await rawCall(token, 'deployments.list_deployments', {}, sessionId);
      assert.equal(ok.status, 200, ok.text);
      assert.doesNotMatch(ok.text, /"isError":true/);
    }

    await stack.store.kill();
    const health = await fetch(new URL('/healthz', stack.gateway.url));
    assert.equal(health.status, 503);
    assert.match(await health.text(), /audit store unreachable/);

    // Depending on timing, the store's absence is noticed by the audit write (a tool result with
    // AUDIT_UNAVAILABLE) or by the session check (HTTP 503, once the revocation cache can no longer be
    // confirmed). Both refuse, for agents of either revision.
    for (const sessionId of [undefined, legacy.sessionId?.()]) {
      const refused = await rawCall(
        token,
        'deployments.scale_service',
        { service: 'checkout-api', environment: 'staging', replicas: before + 5 },
        sessionId,
      );
      if (refused.status === 503) {
        assert.match(refused.text, /cannot confirm this session is still allowed/);
      } else {
        assert.equal(refused.status, 200, refused.text);
        assert.match(refused.text, /"isError":true/);
        assert.match(refused.text, /AUDIT_UNAVAILABLE/);
        assert.match(refused.text, /nothing is run without its audit record/);
      }
    }

    await stack.store.restart();
    await eventually(
      async () => (await fetch(new URL('/healthz', stack.gateway.url))).status,
      (status) => status === 200,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the session cache re-confirms within a second
    const recovered = await eventually(
      () => modern.call('deployments.list_deployments', {}),
      (result) => !result.isError,
    );
    assert.equal(recovered.isError ?? false, false, textOf(recovered));
    assert.equal(await replicasOf(modern, 'checkout-api'), before, 'no refused scale call reached the upstream');
    // A decision write that was in flight when the store died may still land; it must never claim the call ran.
    await eventually(
      async () => stack.gateway.audit.outcomesAwaitingRetry,
      (n) => n === 0,
    );
    await stack.gateway.audit.flush();
    const scaleRecords = await findAuditRecords(stack.mongo.db, { tool: 'deployments.scale_service' });
    for (const record of scaleRecords) assert.equal(record.outcome, 'not-forwarded', JSON.stringify(record));
  });
});

describe('upstream killed and restarted', () => {
  it('reports the HTTP upstream as unavailable, then reconnects', async () => {
    await stack.stopDeployments();
    const down = await modern.call('deployments.list_deployments', {});
    assert.equal(down.isError, true);
    assert.equal(errorCode(down), 'UPSTREAM_UNAVAILABLE', textOf(down));
    assert.match(textOf(down), /Upstream 'deployments' is unavailable/);

    await stack.restartDeployments();
    const back = await eventually(
      () => modern.call('deployments.list_deployments', {}),
      (result) => !result.isError,
    );
    assert.equal(back.isError ?? false, false, textOf(back));
  });

  it('respawns a killed stdio upstream and serves calls again', async () => {
    const state = stack.gateway.pool.get('incidents')!.state;
    const pid = state.pid;
    assert.ok(pid, 'stdio upstream has a pid');
    process.kill(pid, 'SIGKILL');
    const back = await eventually(
      () => legacy.call('incidents.get_incident', { id: 'INC-1041' }),
      (result) => !result.isError,
    );
    assert.equal(back.isError ?? false, false, textOf(back));
    assert.notEqual(stack.gateway.pool.get('incidents')!.state.pid, pid);
  });
});

describe('tool-list changes upstream', () => {
  it('reach agents on both revisions, and the new definition is served', async () => {
    const notified = { modern: 0, legacy: 0 };
    await modern.onToolsChanged(() => notified.modern++);
    await legacy.onToolsChanged(() => notified.legacy++);
    const admin = new URL('/admin/tools/enable-beta', stack.deployments.url);
    const response = await fetch(admin, { method: 'POST' });
    assert.equal(response.status, 200, await response.text());
    await eventually(
      async () => notified,
      (n) => n.modern > 0 && n.legacy > 0,
      10_000,
    );
    assert.ok(notified.modern > 0, 'modern agent notified');
    assert.ok(notified.legacy > 0, 'legacy agent notified');
    // A tool added after consent is invisible to existing sessions until the human consents to it.
    assert.ok(!(await modern.listToolNames()).includes('deployments.canary_release'));
    assert.ok(!(await legacy.listToolNames()).includes('deployments.canary_release'));
    const fresh = await stack.grant({ tools: ['deployments.*'] });
    assert.ok(fresh.tools.some((tool) => tool.name === 'deployments.canary_release'));
  });
});

describe('a slow upstream', () => {
  it('is cut off at the call timeout with a clear error, and the call is recorded as timed out', async () => {
    const slow = await startGatewayStack({ gateway: { callTimeoutMs: 300, maxTotalCallTimeoutMs: 600 } });
    try {
      const { token: slowToken } = await slow.grant();
      const agent = await connectModernAgent(slow.gateway.mcpUrl, slowToken);
      const result = await agent.call('incidents.export_timeline', { steps: 30, delayMs: 100 });
      assert.equal(result.isError, true);
      assert.equal(errorCode(result), 'UPSTREAM_TIMEOUT', textOf(result));
      assert.match(textOf(result), /did not answer 'export_timeline' within 300 ms/);
      const record = await waitForAudit(
        slow.mongo.db,
        { tool: 'incidents.export_timeline' },
        (r) => r.outcome !== null,
      );
      assert.equal(record.outcome, 'timeout');
      await agent.close();
    } finally {
      await slow.close();
    }
  });
});
