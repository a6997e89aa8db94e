// The load generator: MCP clients that make one tool call each time they are asked, and runners that
// drive them a fixed number of times or for a fixed duration at a given concurrency.
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface Caller {
  label: string;
  /** One tools/call; resolves false (never throws) when it failed or returned isError. */
  call(): Promise<boolean>;
  lastError(): string | undefined;
  close(): Promise<void>;
}

const CLIENT_INFO = { name: 'countersign-bench', version: '0.1.0' };

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function textOf(result: object): string {
  const raw = (result as { content?: unknown }).content;
  const content = Array.isArray(raw) ? (raw as Array<{ text?: unknown }>) : [];
  return content.map((item) => (typeof item.text === 'string' ? item.text : '')).join(' ');
}

/** A 2026-07-28 agent: the v2 SDK client pinned to that revision, as test/support/agents.ts connects it. */
function authHeaders(token: string | undefined): { requestInit?: RequestInit } {
  return token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {};
}

export async function connectModern(
  label: string,
  url: string,
  tool: string,
  args: Record<string, unknown>,
  token?: string,
): Promise<Caller> {
  const client = new ModernClient(CLIENT_INFO, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new ModernTransport(new URL(url), authHeaders(token)));
  // Agents list tools before calling them; it also primes the client's output-schema validation.
  const { tools } = await client.listTools();
  if (!tools.some((candidate) => candidate.name === tool)) throw new Error(`${label}: no tool ${tool} at ${url}`);
  let last: string | undefined;
  return {
    label,
    call: async () => {
      try {
        const result = await client.callTool({ name: tool, arguments: args });
        if (result.isError) {
          last = `isError: ${textOf(result).slice(0, 200)}`;
          return false;
        }
        return true;
      } catch (error) {
        last = describe(error);
        return false;
      }
    },
    lastError: () => last,
    close: () => client.close(),
  };
}

/** A 2025-11-25 agent: the v1 SDK client, which opens an MCP transport session (mcp-session-id). */
export async function connectLegacy(
  label: string,
  url: string,
  tool: string,
  args: Record<string, unknown>,
  token?: string,
): Promise<Caller> {
  const client = new LegacyClient(CLIENT_INFO);
  const transport = new LegacyTransport(new URL(url), authHeaders(token));
  await client.connect(transport);
  const { tools } = await client.listTools();
  if (!tools.some((candidate) => candidate.name === tool)) throw new Error(`${label}: no tool ${tool} at ${url}`);
  let last: string | undefined;
  return {
    label,
    call: async () => {
      try {
        const result = await client.callTool({ name: tool, arguments: args });
        if (result.isError) {
          last = `isError: ${textOf(result).slice(0, 200)}`;
          return false;
        }
        return true;
      } catch (error) {
        last = describe(error);
        return false;
      }
    },
    lastError: () => last,
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}

export interface RunResult {
  calls: number;
  errors: number;
  elapsedMs: number;
  /** Per-call latency in milliseconds, in completion order. */
  latencies: Float64Array;
  firstError?: string;
}

/** `total` calls, `concurrency` at a time. Stops early (with fewer calls) after `maxMs` or `maxErrors` errors. */
export async function runFixed(
  caller: Caller,
  total: number,
  concurrency: number,
  maxMs = 120_000,
  maxErrors = Infinity,
): Promise<RunResult> {
  const latencies = new Float64Array(total);
  let issued = 0;
  let done = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + maxMs;
  const worker = async (): Promise<void> => {
    while (issued < total && performance.now() < deadline && errors < maxErrors) {
      issued++;
      const t0 = performance.now();
      const ok = await caller.call();
      latencies[done++] = performance.now() - t0;
      if (!ok) {
        errors++;
        firstError ??= caller.lastError();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return {
    calls: done,
    errors,
    elapsedMs: performance.now() - started,
    latencies: latencies.subarray(0, done),
    ...(firstError !== undefined ? { firstError } : {}),
  };
}

/** As many calls as `concurrency` workers complete in `durationMs` (calls in flight at the end are counted). */
export async function runFor(caller: Caller, durationMs: number, concurrency: number): Promise<RunResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const ok = await caller.call();
      latencies.push(performance.now() - t0);
      if (!ok) {
        errors++;
        firstError ??= caller.lastError();
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return {
    calls: latencies.length,
    errors,
    elapsedMs: performance.now() - started,
    latencies: Float64Array.from(latencies),
    ...(firstError !== undefined ? { firstError } : {}),
  };
}

export interface LatencySummary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentiles, in milliseconds. */
export function summarize(latencies: Float64Array): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  const n = sorted.length;
  const at = (q: number): number =>
    n === 0 ? Number.NaN : sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    n,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    mean: n ? sum / n : Number.NaN,
    max: n ? sorted[n - 1]! : Number.NaN,
  };
}

const LEGACY_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/**
 * Opens `count` 2025-era MCP transport sessions the way an old client does (initialize without an
 * MCP-Protocol-Version header, then notifications/initialized) and leaves them idle.
 */
export async function openIdleSessions(
  mcpUrl: string,
  count: number,
  token?: string,
  concurrency = 16,
): Promise<string[]> {
  const headers: Record<string, string> = { ...LEGACY_HEADERS, ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const ids: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const init = await fetch(mcpUrl, {
        method: 'POST',
        signal: AbortSignal.timeout(15_000),
        headers,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: `bench-idle-${index}`, version: '0.1.0' },
          },
        }),
      });
      await init.text();
      const id = init.headers.get('mcp-session-id');
      if (!init.ok || !id) throw new Error(`initialize #${index} got HTTP ${init.status} without a session id`);
      const initialized = await fetch(mcpUrl, {
        method: 'POST',
        signal: AbortSignal.timeout(15_000),
        headers: { ...headers, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      });
      await initialized.text();
      if (initialized.status !== 202)
        throw new Error(`notifications/initialized #${index} got HTTP ${initialized.status}`);
      ids.push(id);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ids;
}

/** Ends sessions with DELETE, as a well-behaved old client does on exit. */
export async function closeSessions(
  mcpUrl: string,
  ids: readonly string[],
  token?: string,
  concurrency = 16,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const response = await fetch(mcpUrl, {
        method: 'DELETE',
        signal: AbortSignal.timeout(15_000),
        headers: {
          'mcp-session-id': id,
          'mcp-protocol-version': '2025-11-25',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      });
      await response.text();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** `promise`, or `fallback` once `ms` have passed (the promise is left to settle on its own). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
