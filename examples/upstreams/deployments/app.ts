// The deployments service on a plain node:http server bound to 127.0.0.1: MCP at /mcp, the test-only admin surface
// at /admin/, nothing else.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localhostHostValidation, toNodeHandler } from '@modelcontextprotocol/node';
import { handleAdmin } from './admin.ts';
import { createDeploymentsEndpoint } from './create-handler.ts';

export interface DeploymentsServerOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Out-of-band errors from the MCP handler and the HTTP layer; defaults to stderr. */
  onerror?: (error: Error) => void;
}

export interface DeploymentsServer {
  /** The MCP endpoint, e.g. http://127.0.0.1:54321/mcp; admin paths hang off the same origin. */
  url: string;
  close(): Promise<void>;
}

export async function startDeploymentsServer(options: DeploymentsServerOptions = {}): Promise<DeploymentsServer> {
  const onerror = options.onerror ?? ((error: Error) => console.error(`[deployments] ${error.message}`));
  const endpoint = createDeploymentsEndpoint(onerror);
  const mcp = toNodeHandler(endpoint.handler, { onerror });
  // createMcpHandler checks neither Host nor Origin; refuse non-local Host headers (DNS rebinding).
  const localHostOnly = localhostHostValidation();
  const admin = {
    catalog: endpoint.catalog,
    enableBeta: endpoint.enableBeta,
    toolsChanged: () => endpoint.handler.notify.toolsChanged(),
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!localHostOnly(req, res)) return;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/mcp') return mcp(req, res);
    if (path.startsWith('/admin/')) return handleAdmin(req, res, path, admin);
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NOT_FOUND' } }));
  };

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      onerror(error instanceof Error ? error : new Error(String(error)));
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'INTERNAL' } }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async close() {
      // Ends in-flight exchanges and open subscriptions/listen streams, then the listener and idle sockets.
      await endpoint.handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
