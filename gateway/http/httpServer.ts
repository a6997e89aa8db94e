// The gateway's HTTP surface on node:http: /mcp (host guard, then agent-session authentication),
// the RFC 9728 metadata and JWKS documents, POST /consents, /healthz and /metrics. A plain router:
// /mcp is the hot path, and every layer in front of it costs per call.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../../observability/metrics.ts';
import { authInfoFor, type McpEndpoint } from '../mcp/mcpEndpoint.ts';
import { handleConsents, type ConsentsRouteOptions } from './consentsRoute.ts';
import type { HealthReport } from './healthz.ts';
import { checkHostAndOrigin, type HostGuardOptions } from './hostGuard.ts';
import type { McpAuthenticator } from './mcpAuthenticator.ts';

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
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function createHttpServer(options: HttpServerOptions): http.Server {
  const mcp = toNodeHandler(options.endpoint, {
    maxRequestBodySize: options.maxRequestBytes,
    onerror: (error) => options.logger.error({ err: error.message }, 'mcp adapter error'),
  });

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
    (req as http.IncomingMessage & { auth?: unknown }).auth = authInfoFor(
      { principal: caller.principal, consent: caller.resolved.consent, requestId: randomUUID() },
      protocolVersion,
    );
    await mcp(req, res);
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const fail = (error: unknown) => {
      options.logger.error({ err: String(error), path }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
      else res.end();
    };
    if (path === '/mcp') {
      serveMcp(req, res).catch(fail);
      return;
    }
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
