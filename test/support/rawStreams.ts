// Long-lived /mcp streams opened with raw HTTP, as an agent would hold them: a 2026-07-28
// `subscriptions/listen` and a 2025-era session's GET stream. `ended` settles when the gateway
// closes the stream (done or a network error), so a test can tell the stream was cut off.
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'countersign-test-stream', version: '0.1.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

export interface OpenStream {
  /** Resolves with how the stream ended, once it does. */
  ended: Promise<'done' | 'error'>;
  close(): void;
}

function follow(response: Response, controller: AbortController): OpenStream {
  if (!response.ok || !response.body) throw new Error(`stream refused: HTTP ${response.status}`);
  const reader = response.body.getReader();
  const ended = (async (): Promise<'done' | 'error'> => {
    try {
      for (;;) if ((await reader.read()).done) return 'done';
    } catch {
      return 'error';
    }
  })();
  return { ended, close: () => controller.abort() };
}

export async function openListenStream(mcpUrl: string, token: string): Promise<OpenStream> {
  const controller = new AbortController();
  const response = await fetch(mcpUrl, {
    method: 'POST',
    signal: controller.signal,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'subscriptions/listen',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 'listen:0',
      method: 'subscriptions/listen',
      params: { _meta: ENVELOPE, notifications: { toolsListChanged: true } },
    }),
  });
  return follow(response, controller);
}

export interface LegacySessionStream extends OpenStream {
  /** Opens the GET stream of the same MCP session again. */
  reopen(): Promise<OpenStream>;
}

export async function openLegacySessionStream(mcpUrl: string, token: string): Promise<LegacySessionStream> {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${token}`,
  };
  const init = await fetch(mcpUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'stream-test', version: '0.1.0' },
      },
    }),
  });
  await init.text();
  const sessionId = init.headers.get('mcp-session-id');
  if (!init.ok || !sessionId) throw new Error(`initialize: HTTP ${init.status}`);
  const session = { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
  const initialized = await fetch(mcpUrl, {
    method: 'POST',
    headers: session,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await initialized.text();
  const openGet = async (): Promise<OpenStream> => {
    const controller = new AbortController();
    const response = await fetch(mcpUrl, {
      method: 'GET',
      signal: controller.signal,
      headers: { ...session, accept: 'text/event-stream' },
    });
    return follow(response, controller);
  };
  return { ...(await openGet()), reopen: openGet };
}
