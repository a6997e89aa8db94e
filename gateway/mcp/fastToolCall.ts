// Recognises the `tools/call` requests the gateway answers on node:http directly (the hot path),
// without the SDK's per-request web Request/Response, per-request Server and zod passes.
//
// Only well-formed requests qualify: everything the SDK would refuse or treat specially (bad
// headers, envelope problems, unsupported versions, batches, unknown session ids) returns null
// and goes through the SDK, which answers it exactly as it always has. So this path never has to
// reproduce an SDK error; it only has to agree with the SDK on what is valid.
import type { IncomingHttpHeaders } from 'node:http';
import { decodeMcpHeaderValue } from '../upstreams/mcpHeaderValue.ts';

export const MODERN_VERSION = '2026-07-28';
/** The 2025-era revisions the SDK's legacy transports accept in MCP-Protocol-Version. */
const LEGACY_VERSIONS = new Set(['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07']);
const VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
const CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';
const CLIENT_INFO_KEY = 'io.modelcontextprotocol/clientInfo';

export interface FastToolCall {
  era: 'modern' | 'legacy';
  id: string | number;
  name: string;
  arguments: unknown;
  progressToken: string | number | undefined;
  /** The revision this request speaks (envelope for modern, header for legacy; null if unstated). */
  protocolVersion: string | null;
  /** Legacy requests inside a transport session; the caller checks it belongs to the principal. */
  mcpSessionId: string | null;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** `application/json`, with or without parameters (what the SDK's isJsonContentType accepts). */
export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const semicolon = value.indexOf(';');
  return (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase() === 'application/json';
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' ? value.trim() : undefined;
};

export function classifyFastToolCall(headers: IncomingHttpHeaders, body: unknown): FastToolCall | null {
  if (!isObject(body) || body['jsonrpc'] !== '2.0' || body['method'] !== 'tools/call') return null;
  const id = body['id'];
  if (!(typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)))) return null;
  const params = body['params'];
  if (!isObject(params) || typeof params['name'] !== 'string') return null;
  const args = params['arguments'];
  if (args !== undefined && !isObject(args)) return null;
  const meta = params['_meta'];
  if (meta !== undefined && !isObject(meta)) return null;
  const progressToken = meta?.['progressToken'];
  if (progressToken !== undefined && typeof progressToken !== 'string' && typeof progressToken !== 'number') {
    return null;
  }
  const versionHeader = header(headers, 'mcp-protocol-version');
  const sessionId = header(headers, 'mcp-session-id') ?? null;
  const call = { id, name: params['name'], arguments: args, progressToken };

  if (meta && VERSION_KEY in meta) {
    // 2026-07-28: the envelope decides the revision; the headers must agree with the body.
    if (sessionId !== null) return null;
    if (meta[VERSION_KEY] !== MODERN_VERSION || !isObject(meta[CAPABILITIES_KEY])) return null;
    const clientInfo = meta[CLIENT_INFO_KEY];
    if (
      clientInfo !== undefined &&
      !(isObject(clientInfo) && typeof clientInfo['name'] === 'string' && typeof clientInfo['version'] === 'string')
    ) {
      return null;
    }
    if (versionHeader !== MODERN_VERSION || header(headers, 'mcp-method') !== 'tools/call') return null;
    const nameHeader = header(headers, 'mcp-name');
    if (nameHeader === undefined || decodeMcpHeaderValue(nameHeader) !== call.name) return null;
    return { era: 'modern', ...call, protocolVersion: MODERN_VERSION, mcpSessionId: null };
  }

  // 2025-era: no envelope. The SDK's legacy transports require both media types in Accept.
  if (versionHeader !== undefined && !LEGACY_VERSIONS.has(versionHeader)) return null;
  const accept = header(headers, 'accept') ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return null;
  return { era: 'legacy', ...call, protocolVersion: versionHeader ?? null, mcpSessionId: sessionId };
}

/** A legacy `notifications/cancelled` for a request the fast path may be serving. */
export function cancelledRequestId(body: unknown): string | number | null {
  if (!isObject(body) || body['jsonrpc'] !== '2.0' || body['method'] !== 'notifications/cancelled') return null;
  if ('id' in body) return null;
  const params = body['params'];
  const requestId = isObject(params) ? params['requestId'] : undefined;
  return typeof requestId === 'string' || typeof requestId === 'number' ? requestId : null;
}
