// UpstreamConnection against the deployments example on the 2026-07-28 revision, with every
// request the upstream receives counted by its Mcp-Method header.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createDeploymentsEndpoint } from '../../examples/upstreams/deployments/create-handler.ts';
import type { UpstreamConfig } from '../../config/schema.ts';
import { UpstreamConnection } from '../../gateway/upstreams/upstreamConnection.ts';
import { createLogger } from '../../observability/logger.ts';

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('UpstreamConnection (2026-07-28 HTTP upstream)', () => {
  const endpoint = createDeploymentsEndpoint(() => undefined);
  const requests = new Map<string, number>();
  let server: Server;
  let connection: UpstreamConnection;
  let toolChanges = 0;

  before(async () => {
    const mcp = toNodeHandler(endpoint.handler);
    server = createServer((req, res) => {
      const method = String(req.headers['mcp-method'] ?? req.method);
      requests.set(method, (requests.get(method) ?? 0) + 1);
      void mcp(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    const config: UpstreamConfig = { name: 'deployments', transport: 'http', url, headers: {} };
    connection = new UpstreamConnection(config, {
      baseDir: process.cwd(),
      logger: createLogger({ level: 'silent' }),
      onToolsChanged: () => toolChanges++,
    });
    await connection.start();
    assert.equal(connection.state.connected, true, connection.state.lastError ?? '');
  });

  after(async () => {
    await connection?.close();
    await endpoint.handler.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  test('opens one subscriptions/listen stream, not one per layer', async () => {
    assert.equal(connection.state.era, 'modern');
    // Give a second stream, if anything opened one, time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(requests.get('subscriptions/listen'), 1);
  });

  test('a tools/list_changed on that stream re-lists the tools once', async () => {
    const before = { changes: toolChanges, lists: requests.get('tools/list') ?? 0 };
    endpoint.handler.notify.toolsChanged();
    await until(() => toolChanges > before.changes, 'the tool change to reach the connection');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((requests.get('tools/list') ?? 0) - before.lists, 1);
  });

  test('after a reconnect from the cached discovery, one stream again, and changes still arrive', async () => {
    requests.clear();
    // Dropping every connection ends the listen stream: the connection reconnects with `prior`,
    // a path on which the SDK client does not open the stream itself.
    server.closeAllConnections();
    await until(() => (requests.get('subscriptions/listen') ?? 0) > 0 && connection.state.connected, 'the reconnect');
    assert.equal(requests.get('server/discover'), undefined, 'reconnected from the cached discovery');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(requests.get('subscriptions/listen'), 1);
    const changesBefore = toolChanges;
    endpoint.handler.notify.toolsChanged();
    await until(() => toolChanges > changesBefore, 'a tool change after the reconnect');
  });
});
