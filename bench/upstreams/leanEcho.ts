// The throughput runs' upstream: a real 2026-07-28 MCP server (the SDK's createMcpHandler serves
// discovery and tools/list) whose one tool, `echo`, is answered on node:http directly, the way the
// gateway answers tools/call. The deployments example costs 0.6–1.3 ms of CPU per call, which on
// two cores would cap the gateway's measured throughput at the upstream's; this costs little, so
// gateway and direct runs measure the path in between. Same ready line as the example upstreams:
//   {"event":"listening","url":"http://127.0.0.1:PORT/mcp"}
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { z } from 'zod';

const INFO = { name: 'bench-echo', version: '0.1.0' };
const ANSWER = {
  content: [{ type: 'text', text: 'ok' }],
  resultType: 'complete',
  _meta: { 'io.modelcontextprotocol/serverInfo': INFO },
};

const handler = createMcpHandler(() => {
  const server = new McpServer(INFO);
  server.registerTool(
    'echo',
    {
      description: 'Answers ok.',
      inputSchema: { note: z.string().optional() },
      annotations: { readOnlyHint: true },
    },
    () => ({ content: [{ type: 'text' as const, text: 'ok' }] }),
  );
  return server;
});
const sdk = toNodeHandler(handler);

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.headers['mcp-method'] !== 'tools/call') {
    void sdk(req, res);
    return;
  }
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (text += chunk));
  req.on('end', () => {
    const body = JSON.parse(text) as { id: unknown; params?: { name?: string } };
    if (body.params?.name !== 'echo') {
      void sdk(req, res, body);
      return;
    }
    const answer = JSON.stringify({ jsonrpc: '2.0', id: body.id, result: ANSWER });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ event: 'listening', url: `http://127.0.0.1:${port}/mcp` })}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
