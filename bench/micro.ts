// In-process micro-benchmarks of the pieces one MCP-over-HTTP hop is made of, so the gateway's CPU per
// call can be split into named costs. Everything runs sequentially in this one process; "CPU" is
// process.cpuUsage() per operation (user+system), "wall" the elapsed time per operation.
//
//   npx tsx bench/micro.ts            (also part of `npm run bench -- --attribute`)
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { toWebRequest } from '@modelcontextprotocol/node';
import { fileURLToPath } from 'node:url';
import { createDeploymentsEndpoint } from '../examples/upstreams/deployments/create-handler.ts';
import { canonicalHash } from '../gateway/canonicalJson.ts';
import { buildAgentFacingServer } from '../gateway/mcp/agentFacingServer.ts';
import { ANONYMOUS } from '../gateway/pipeline/decision.ts';
import { newAuditId } from '../audit/record.ts';
import { redactArguments } from '../audit/redact.ts';
import { createLogger } from '../observability/logger.ts';

export interface MicroResult {
  name: string;
  what: string;
  iterations: number;
  cpuUsPerOp: number;
  wallUsPerOp: number;
}

async function measure(name: string, what: string, iterations: number, op: () => unknown): Promise<MicroResult> {
  for (let index = 0; index < Math.min(500, iterations); index++) await op();
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < iterations; index++) await op();
  const wallUs = (performance.now() - started) * 1000;
  const used = process.cpuUsage(cpu);
  return {
    name,
    what,
    iterations,
    cpuUsPerOp: (used.user + used.system) / iterations,
    wallUsPerOp: wallUs / iterations,
  };
}

interface Captured {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  responseStatus: number;
  responseHeaders: Record<string, string>;
  responseBody: string;
}

/** One real tools/call exchange between the v2 client (pinned 2026-07-28) and the deployments handler. */
async function captureToolsCall(handler: ReturnType<typeof createDeploymentsEndpoint>['handler']): Promise<Captured> {
  let captured: Captured | undefined;
  const fetchLike = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(url, init);
    const body = init?.body === undefined || init.body === null ? '' : String(init.body as string);
    const response = await handler.fetch(request);
    if (body.includes('"tools/call"')) {
      const text = await response.text();
      captured = {
        url: String(url),
        method: request.method,
        headers: Object.fromEntries(request.headers),
        body,
        responseStatus: response.status,
        responseHeaders: Object.fromEntries(response.headers),
        responseBody: text,
      };
      return new Response(text, { status: response.status, headers: response.headers });
    }
    return response;
  };
  const client = new Client(
    { name: 'micro', version: '0.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL('http://127.0.0.1/mcp'), { fetch: fetchLike }));
  await client.listTools();
  await client.callTool({ name: 'list_deployments', arguments: {} });
  await client.close();
  if (!captured) throw new Error('no tools/call captured');
  return captured;
}

export async function runMicro(iterations = 3000): Promise<MicroResult[]> {
  const results: MicroResult[] = [];
  const endpoint = createDeploymentsEndpoint(() => undefined);
  const handler = endpoint.handler;
  const exchange = await captureToolsCall(handler);

  // 1. The gateway's per-request Server (createMcpHandler calls the factory once per modern request).
  const deps = { toolLists: {} as never, pipeline: {} as never, logger: createLogger({ level: 'silent' }) };
  const scope = { principal: ANONYMOUS, consent: null, requestId: 'r', protocolVersionHeader: '2026-07-28' };
  results.push(
    await measure(
      'server-construction',
      "buildAgentFacingServer(): new Server + 2 handlers (the gateway's per-request factory)",
      iterations * 3,
      () => buildAgentFacingServer(deps, scope),
    ),
  );

  // 2. toNodeHandler's request conversion: IncomingMessage → web Request (headers copied, body read).
  const bodyBuffer = Buffer.from(exchange.body);
  const fakeReq = {
    method: 'POST',
    url: '/mcp',
    headers: { ...exchange.headers, host: '127.0.0.1:7410', 'content-length': String(bodyBuffer.length) },
    async *[Symbol.asyncIterator]() {
      yield bodyBuffer;
    },
  };
  results.push(
    await measure(
      'to-web-request',
      'toWebRequest(): node request → web Request (toNodeHandler, per request)',
      iterations * 3,
      () => toWebRequest(fakeReq),
    ),
  );

  // 3. Server side of one hop without the network: createMcpHandler.fetch for a real tools/call
  //    (classification, validation, per-request Server, dispatch, tool run, response body).
  results.push(
    await measure(
      'mcp-handler-fetch',
      'createMcpHandler(...).fetch(tools/call) in process, response body read (deployments upstream)',
      iterations,
      async () => {
        const response = await handler.fetch(
          new Request(exchange.url, { method: 'POST', headers: exchange.headers, body: exchange.body }),
        );
        await response.text();
      },
    ),
  );

  // 4. Client + server of one hop without the network: v2 Client.callTool over a fetch that calls the handler.
  const inProcessFetch = async (url: string | URL, init?: RequestInit): Promise<Response> =>
    handler.fetch(new Request(url, init));
  const client = new Client(
    { name: 'micro', version: '0.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL('http://127.0.0.1/mcp'), { fetch: inProcessFetch }));
  await client.listTools();
  results.push(
    await measure(
      'client-and-handler',
      'v2 Client.callTool → createMcpHandler.fetch in process (both SDK sides, no HTTP)',
      iterations,
      () => client.callTool({ name: 'list_deployments', arguments: {} }),
    ),
  );
  await client.close();

  // 5. The HTTP layer alone: undici fetch POST → node:http server answering with the same bytes.
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(exchange.responseStatus, exchange.responseHeaders);
      res.end(exchange.responseBody);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  results.push(
    await measure(
      'http-round-trip',
      'fetch() POST → node:http → same response bytes (both ends in this process)',
      iterations,
      async () => {
        const response = await fetch(url, { method: 'POST', headers: exchange.headers, body: exchange.body });
        await response.text();
      },
    ),
  );
  // The same exchange with node:http's own client (keep-alive agent) instead of fetch(): how much of
  // the round trip is undici's fetch machinery (Request/Response/Headers objects, web streams).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(url);
  results.push(
    await measure(
      'node-http-round-trip',
      'http.request() POST → node:http → same response bytes (no fetch)',
      iterations,
      () => {
        return new Promise<void>((resolve, reject) => {
          const request = http.request(
            {
              host: target.hostname,
              port: target.port,
              path: target.pathname,
              method: 'POST',
              headers: exchange.headers,
              agent,
            },
            (response) => {
              response.on('data', () => undefined);
              response.on('end', () => resolve());
            },
          );
          request.on('error', reject);
          request.end(exchange.body);
        });
      },
    ),
  );
  agent.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));

  // 6. Countersign's own per-call bookkeeping in the pipeline (hash, redaction, id).
  const args = { service: 'checkout-api', environment: 'production', limit: 20 };
  results.push(
    await measure(
      'pipeline-bookkeeping',
      'canonicalHash(args) + redactArguments(args) + newAuditId()',
      iterations * 3,
      () => {
        canonicalHash(args);
        redactArguments(args, ['password', 'secret', 'token']);
        newAuditId();
      },
    ),
  );
  await handler.close();
  return results;
}

export function formatMicro(results: MicroResult[]): string {
  const lines = ['In-process micro-benchmarks (one process, sequential; µs per operation)'];
  for (const result of results) {
    lines.push(
      `  ${result.cpuUsPerOp.toFixed(1).padStart(8)} µs CPU ${result.wallUsPerOp.toFixed(1).padStart(8)} µs wall  ${result.what}`,
    );
  }
  const byName = (name: string) => results.find((result) => result.name === name)?.cpuUsPerOp ?? Number.NaN;
  lines.push(
    `  → client side of a hop ≈ ${(byName('client-and-handler') - byName('mcp-handler-fetch')).toFixed(0)} µs (client-and-handler − mcp-handler-fetch), before HTTP`,
  );
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(formatMicro(await runMicro(Number(process.env.BENCH_MICRO_N ?? 3000))));
}
