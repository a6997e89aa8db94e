// The gateway's HTTP surface on node:http: /mcp behind the host guard, /healthz and /metrics.
// Kept as a plain router: the hot path is /mcp, and every layer in front of it costs per call.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../../observability/metrics.ts';
import { authInfoFor, type McpEndpoint, type RequestIdentity } from '../mcp/mcpEndpoint.ts';
import { ANONYMOUS } from '../pipeline/decision.ts';
import { checkHostAndOrigin, type HostGuardOptions } from './hostGuard.ts';
import type { HealthReport } from './healthz.ts';

export interface HttpServerOptions {
  endpoint: McpEndpoint;
  logger: Logger;
  metrics: GatewayMetrics;
  hostGuard: () => HostGuardOptions;
  health: () => Promise<HealthReport>;
  maxRequestBytes: number;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function createHttpServer(options: HttpServerOptions): http.Server {
  const mcp = toNodeHandler(options.endpoint, {
    maxRequestBodySize: options.maxRequestBytes,
    onerror: (error) => options.logger.error({ err: error.message }, 'mcp adapter error'),
  });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/mcp') {
      const verdict = checkHostAndOrigin(req.headers.host, req.headers.origin, options.hostGuard());
      if (!verdict.ok) {
        options.logger.warn(
          { host: req.headers.host, origin: req.headers.origin, reason: verdict.reason },
          'request refused by host guard',
        );
        sendJson(res, verdict.status, { jsonrpc: '2.0', error: { code: -32000, message: verdict.reason }, id: null });
        return;
      }
      const identity: RequestIdentity = { principal: ANONYMOUS, requestId: randomUUID() };
      const protocolVersion = req.headers['mcp-protocol-version'];
      (req as http.IncomingMessage & { auth?: unknown }).auth = authInfoFor(
        identity,
        typeof protocolVersion === 'string' ? protocolVersion : null,
      );
      void mcp(req, res);
      return;
    }
    if (path === '/healthz' && req.method === 'GET') {
      void options.health().then(
        (report) => sendJson(res, report.status === 'down' ? 503 : 200, report),
        (error: unknown) => sendJson(res, 503, { status: 'down', error: String(error) }),
      );
      return;
    }
    if (path === '/metrics' && req.method === 'GET') {
      options.metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
          res.end(text);
        },
        (error: unknown) => sendJson(res, 500, { error: String(error) }),
      );
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
