// The two kinds of agent the gateway must serve: a 2026-07-28 agent (v2 SDK client pinned to that
// revision) and a 2025-11-25 agent (the v1 SDK client, kept as a dev dependency for this).
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface ProgressEvent {
  progress: number;
  total?: number;
  message?: string;
}

export interface CallResult {
  content: Array<{ type: string; text?: string }>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

/** The operations the e2e tests need, identical for both revisions. */
export interface TestAgent {
  revision: '2026-07-28' | '2025-11-25';
  protocolVersion(): string | undefined;
  listToolNames(): Promise<string[]>;
  listTools(): Promise<Array<{ name: string; description?: string }>>;
  call(
    name: string,
    args: Record<string, unknown>,
    options?: { onProgress?: (p: ProgressEvent) => void; signal?: AbortSignal },
  ): Promise<CallResult>;
  onToolsChanged(listener: () => void): Promise<void>;
  /** The legacy MCP transport session id, if any. */
  sessionId?: () => string | undefined;
  close(): Promise<void>;
}

export async function connectModernAgent(url: string, token?: string): Promise<TestAgent> {
  const client = new ModernClient(
    { name: 'e2e-modern-agent', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(
    new ModernTransport(new URL(url), token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {}),
  );
  let subscription: { close(): Promise<void> } | undefined;
  return {
    revision: '2026-07-28',
    protocolVersion: () => client.getNegotiatedProtocolVersion(),
    listTools: async () => (await client.listTools(undefined, { cacheMode: 'refresh' })).tools,
    listToolNames: async () =>
      (await client.listTools(undefined, { cacheMode: 'refresh' })).tools.map((tool) => tool.name),
    call: async (name, args, options = {}) =>
      await client.callTool(
        { name, arguments: args },
        {
          ...(options.onProgress ? { onprogress: options.onProgress } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        },
      ),
    onToolsChanged: async (listener) => {
      client.setNotificationHandler('notifications/tools/list_changed', () => listener());
      subscription = await client.listen({ toolsListChanged: true });
    },
    close: async () => {
      await subscription?.close().catch(() => undefined);
      await client.close();
    },
  };
}

export async function connectLegacyAgent(url: string, token?: string): Promise<TestAgent> {
  const client = new LegacyClient({ name: 'e2e-legacy-agent', version: '1.0.0' });
  const transport = new LegacyTransport(
    new URL(url),
    token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {},
  );
  await client.connect(transport);
  const { ToolListChangedNotificationSchema } = await import('@modelcontextprotocol/sdk/types.js');
  return {
    revision: '2025-11-25',
    protocolVersion: () => transport.protocolVersion,
    listTools: async () => (await client.listTools()).tools,
    listToolNames: async () => (await client.listTools()).tools.map((tool) => tool.name),
    call: async (name, args, options = {}) =>
      (await client.callTool({ name, arguments: args }, undefined, {
        ...(options.onProgress ? { onprogress: options.onProgress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      })) as CallResult,
    onToolsChanged: async (listener) => {
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => listener());
    },
    sessionId: () => transport.sessionId,
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}
