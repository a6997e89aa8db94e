// Which tools/call requests the direct path takes. Anything it declines goes to the SDK, so the
// property that matters is: it never takes a request the SDK would refuse or treat differently.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cancelledRequestId, classifyFastToolCall, isJsonContentType } from '../../gateway/mcp/fastToolCall.ts';
import { decodeMcpHeaderValue, encodeMcpHeaderValue } from '../../gateway/upstreams/mcpHeaderValue.ts';

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'agent', version: '1' },
};
const MODERN_HEADERS = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'a.b' };
const modernBody = (overrides: Record<string, unknown> = {}, meta: Record<string, unknown> = ENVELOPE) => ({
  jsonrpc: '2.0',
  id: 7,
  method: 'tools/call',
  params: { name: 'a.b', arguments: { x: 1 }, _meta: meta },
  ...overrides,
});
const LEGACY_HEADERS = { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
const legacyBody = { jsonrpc: '2.0', id: 'r1', method: 'tools/call', params: { name: 'a.b', arguments: {} } };

describe('classifyFastToolCall', () => {
  it('takes a well-formed 2026-07-28 call with agreeing headers', () => {
    const call = classifyFastToolCall(MODERN_HEADERS, modernBody());
    assert.deepEqual(call, {
      era: 'modern',
      id: 7,
      name: 'a.b',
      arguments: { x: 1 },
      progressToken: undefined,
      protocolVersion: '2026-07-28',
      mcpSessionId: null,
    });
  });

  it('takes a base64-wrapped Mcp-Name that decodes to the tool name', () => {
    const name = 'tickets.résumé';
    const body = modernBody({ params: { name, arguments: {}, _meta: { ...ENVELOPE, progressToken: 'p' } } });
    const call = classifyFastToolCall({ ...MODERN_HEADERS, 'mcp-name': encodeMcpHeaderValue(name) }, body);
    assert.equal(call?.name, name);
    assert.equal(call?.progressToken, 'p');
  });

  it('leaves to the SDK every modern request whose headers disagree or are missing', () => {
    const body = modernBody();
    for (const drop of ['mcp-protocol-version', 'mcp-method', 'mcp-name'] as const) {
      const headers: Record<string, string> = { ...MODERN_HEADERS };
      delete headers[drop];
      assert.equal(classifyFastToolCall(headers, body), null, `without ${drop}`);
    }
    assert.equal(classifyFastToolCall({ ...MODERN_HEADERS, 'mcp-name': 'a.c' }, body), null);
    assert.equal(classifyFastToolCall({ ...MODERN_HEADERS, 'mcp-name': '=?base64?%%%?=' }, body), null);
    assert.equal(classifyFastToolCall({ ...MODERN_HEADERS, 'mcp-method': 'tools/list' }, body), null);
    assert.equal(classifyFastToolCall({ ...MODERN_HEADERS, 'mcp-protocol-version': '2025-11-25' }, body), null);
    assert.equal(classifyFastToolCall({ ...MODERN_HEADERS, 'mcp-session-id': 's' }, body), null);
  });

  it('leaves to the SDK envelopes it would refuse', () => {
    const without = (key: string) => Object.fromEntries(Object.entries(ENVELOPE).filter(([k]) => k !== key));
    const cases = [
      { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' },
      without('io.modelcontextprotocol/clientCapabilities'),
      { ...ENVELOPE, 'io.modelcontextprotocol/clientCapabilities': 'all' },
      { ...ENVELOPE, 'io.modelcontextprotocol/clientInfo': { name: 1 } },
      { ...ENVELOPE, progressToken: { nested: true } },
    ];
    for (const meta of cases) assert.equal(classifyFastToolCall(MODERN_HEADERS, modernBody({}, meta)), null);
  });

  it('leaves to the SDK anything that is not a single well-formed tools/call', () => {
    const headers = MODERN_HEADERS;
    assert.equal(classifyFastToolCall(headers, [modernBody()]), null);
    assert.equal(classifyFastToolCall(headers, modernBody({ id: null })), null);
    assert.equal(classifyFastToolCall(headers, modernBody({ id: 1.5 })), null);
    assert.equal(classifyFastToolCall(headers, modernBody({ jsonrpc: '1.0' })), null);
    assert.equal(classifyFastToolCall(headers, modernBody({ method: 'tools/list' })), null);
    assert.equal(classifyFastToolCall(headers, modernBody({ params: { name: 'a.b', arguments: [1] } })), null);
    assert.equal(classifyFastToolCall(headers, modernBody({ params: { arguments: {} } })), null);
    assert.equal(classifyFastToolCall(headers, 'tools/call'), null);
  });

  it('takes a 2025-era call only with the Accept header the SDK requires and a version it supports', () => {
    assert.equal(classifyFastToolCall(LEGACY_HEADERS, legacyBody)?.era, 'legacy');
    const noVersion = classifyFastToolCall({ accept: LEGACY_HEADERS.accept }, legacyBody);
    assert.equal(noVersion?.protocolVersion, null);
    assert.equal(classifyFastToolCall({ ...LEGACY_HEADERS, accept: 'application/json' }, legacyBody), null);
    assert.equal(classifyFastToolCall({ ...LEGACY_HEADERS, 'mcp-protocol-version': '2024-01-01' }, legacyBody), null);
    assert.equal(classifyFastToolCall({ ...LEGACY_HEADERS, 'mcp-protocol-version': '2026-07-28' }, legacyBody), null);
    const inSession = classifyFastToolCall({ ...LEGACY_HEADERS, 'mcp-session-id': ' abc ' }, legacyBody);
    assert.equal(inSession?.mcpSessionId, 'abc');
  });
});

describe('cancelledRequestId', () => {
  it('reads the request id of a notifications/cancelled, and nothing else', () => {
    const notification = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3, reason: 'x' } };
    assert.equal(cancelledRequestId(notification), 3);
    assert.equal(cancelledRequestId({ ...notification, id: 1 }), null);
    assert.equal(cancelledRequestId({ ...notification, params: {} }), null);
    assert.equal(cancelledRequestId(legacyBody), null);
  });
});

describe('MCP header values', () => {
  it('passes plain ASCII through and base64-wraps the rest, reversibly', () => {
    assert.equal(encodeMcpHeaderValue('deployments.deploy'), 'deployments.deploy');
    for (const value of ['', ' padded ', 'naïve', 'line\nbreak', '=?base64?abc?=']) {
      const encoded = encodeMcpHeaderValue(value);
      assert.match(encoded, /^=\?base64\?[A-Za-z0-9+/=]*\?=$/);
      assert.equal(decodeMcpHeaderValue(encoded), value);
    }
    assert.equal(decodeMcpHeaderValue('=?base64?not base64!?='), null);
  });
});

describe('isJsonContentType', () => {
  it('accepts application/json with or without parameters, nothing else', () => {
    assert.equal(isJsonContentType('application/json'), true);
    assert.equal(isJsonContentType('Application/JSON; charset=utf-8'), true);
    assert.equal(isJsonContentType('text/plain'), false);
    assert.equal(isJsonContentType('application/json-seq'), false);
    assert.equal(isJsonContentType(undefined), false);
  });
});
