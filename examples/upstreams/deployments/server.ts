// CLI entry: `node --import tsx examples/upstreams/deployments/server.ts`, MCP over Streamable HTTP (2026-07-28).
// Env: PORT (default 0 = any free port). Prints exactly one stdout line once listening, for parents to parse:
//   {"event":"listening","url":"http://127.0.0.1:PORT/mcp"}
// Everything else goes to stderr.
import { startDeploymentsServer } from './app.ts';

const port = Number(process.env.PORT ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`[deployments] PORT must be an integer from 0 to 65535, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(1);
}

const server = await startDeploymentsServer({ port });
process.stdout.write(`${JSON.stringify({ event: 'listening', url: server.url })}\n`);
console.error(`[deployments] serving MCP 2026-07-28 at ${server.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`[deployments] close failed: ${String(error)}`);
        process.exit(1);
      },
    );
  });
}
