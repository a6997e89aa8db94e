// The gateway's HTTP surface on node:http: /mcp (host guard, then agent-session authentication),
// the RFC 9728 metadata and JWKS documents, POST /consents, /healthz and /metrics. A plain router:
// /mcp is the hot path, and every layer in front of it costs per call.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../../observability/metrics.ts';
import { authInfoFor, principalKey, type McpEndpoint } from '../mcp/mcpEndpoint.ts';
import type { OpenStreams } from './openStreams.ts';
import { handleConsents, type ConsentsRouteOptions } from './consentsRoute.ts';
import type { HealthReport } from './healthz.ts';
import { checkHostAndOrigin, type HostGuardOptions } from './hostGuard.ts';
import type { McpAuthenticator } from './mcpAuthenticator.ts';
import { RequestBodyTooLargeError, readBody } from './readBody.ts';

export interface HttpServerOptions {
  endpoint: McpEndpoint;
  authenticator: McpAuthenticator;
  consents: ConsentsRouteOptions;
  protectedResourceMetadata: () => Record<string, unknown>;
  jwks: () => unknown;
  logger: Logger;
  metrics: GatewayMetrics;
  hostGuard: () => HostGuardOptions;
  health: () => Promise<HealthReport>;
  maxRequestBytes: number;
  /** Cuts off the open responses of a session revoked or paused after they began. */
  openStreams?: OpenStreams;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function failRequest(logger: Logger, res: http.ServerResponse, path: string, error: unknown): void {
  logger.error({ err: String(error), path }, 'request failed');
  if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
  else res.end();
}

const NO_BODY = Symbol('no body');

/** The parsed JSON body, or NO_BODY after answering 413 / parse error itself (as the SDK answers them). */
async function readJsonBody(req: http.IncomingMessage, res: http.ServerResponse, maxBytes: number): Promise<unknown> {
  let raw: Buffer;
  try {
    raw = await readBody(req, maxBytes);
  } catch (error) {
    if (!(error instanceof RequestBodyTooLargeError)) throw error;
    sendJson(
      res,
      413,
      { jsonrpc: '2.0', error: { code: -32000, message: error.message }, id: null },
      { connection: 'close' },
    );
    return NO_BODY;
  }
  try {
    if (raw.length === 0) throw new SyntaxError('empty body');
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    sendJson(res, 400, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: Invalid JSON' }, id: null });
    return NO_BODY;
  }
}

export function createHttpServer(options: HttpServerOptions): http.Server {
  const mcp = toNodeHandler(options.endpoint, {
    maxRequestBodySize: options.maxRequestBytes,
    onerror: (error) => options.logger.error({ err: error.message }, 'mcp adapter error'),
  });

  const directPosts = options.metrics.mcpPosts.labels('direct');
  const sdkPosts = options.metrics.mcpPosts.labels('sdk');
  const serveMcp = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const verdict = checkHostAndOrigin(req.headers.host, req.headers.origin, options.hostGuard());
    if (!verdict.ok) {
      options.logger.warn(
        { host: req.headers.host, origin: req.headers.origin, reason: verdict.reason },
        'request refused by host guard',
      );
      sendJson(res, verdict.status, { jsonrpc: '2.0', error: { code: -32000, message: verdict.reason }, id: null });
      return;
    }
    const header = req.headers['mcp-protocol-version'];
    const protocolVersion = typeof header === 'string' ? header : null;
    const outcome = await options.authenticator.authenticate(req.headers.authorization, protocolVersion);
    if (!outcome.ok) {
      req.resume();
      sendJson(res, outcome.refusal.status, outcome.refusal.body, outcome.refusal.headers);
      return;
    }
    const { caller } = outcome;
    const { principal } = caller;
    if (principal.session !== null) options.openStreams?.track(principal.session, principal, res);
    const identity = { principal: caller.principal, consent: caller.resolved.consent, requestId: randomUUID() };
    if (req.method !== 'POST') {
      (req as http.IncomingMessage & { auth?: unknown }).auth = authInfoFor(identity, protocolVersion);
      await mcp(req, res);
      return;
    }
    // POST bodies are read and parsed once here; tools/call is answered directly, everything else
    // is handed to the SDK with the parsed body.
    const body = await readJsonBody(req, res, options.maxRequestBytes);
    if (body === NO_BODY) return;
    if (options.endpoint.direct.tryServe(req, res, body, identity, principalKey(identity.principal))) {
      directPosts.inc();
      return;
    }
    sdkPosts.inc();
    (req as http.IncomingMessage & { auth?: unknown }).auth = authInfoFor(identity, protocolVersion);
    await mcp(req, res, body);
  };

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (path === '/mcp') {
      serveMcp(req, res).catch((error: unknown) => failRequest(options.logger, res, path, error));
      return;
    }
    const fail = (error: unknown) => failRequest(options.logger, res, path, error);
    if (path === '/consents') {
      handleConsents(req, res, options.consents).catch(fail);
      return;
    }
    if (
      req.method === 'GET' &&
      (path === '/.well-known/oauth-protected-resource' || path === '/.well-known/oauth-protected-resource/mcp')
    ) {
      sendJson(res, 200, options.protectedResourceMetadata(), { 'cache-control': 'max-age=300' });
      return;
    }
    if (req.method === 'GET' && path === '/.well-known/jwks.json') {
      sendJson(res, 200, options.jwks(), { 'cache-control': 'max-age=300' });
      return;
    }
    if (path === '/healthz' && req.method === 'GET') {
      options.health().then(
        (report) => sendJson(res, report.status === 'down' ? 503 : 200, report),
        (error: unknown) => sendJson(res, 503, { status: 'down', error: String(error) }),
      );
      return;
    }
    if (path === '/metrics' && req.method === 'GET') {
      options.metrics.registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
        res.end(text);
      }, fail);
      return;
    }
    sendJson(res, 404, { error: `No route for ${req.method ?? 'GET'} ${path}` });
  });
  // Agents hold calls open for approvals and long tools; don't let Node's defaults cut them.
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 65_000;
  return server;
}
