// CLI entry: `node --import tsx examples/upstreams/incidents/server.ts`, MCP over stdio.
// Env: INCIDENTS_DATA_FILE — the JSON data file (created from seed.json when missing).
// stdout carries JSON-RPC only; every log line goes to stderr.
import { resolve } from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { createIncidentsServer } from './create-server.ts';
import { DEFAULT_DATA_FILE, SEED_FILE } from './paths.ts';
import { IncidentStore } from './store.ts';

const store = new IncidentStore(resolve(process.env.INCIDENTS_DATA_FILE || DEFAULT_DATA_FILE), SEED_FILE);
try {
  store.read(); // fail at start-up, not on the first call, when the data file is unusable
} catch (error) {
  console.error(`[incidents] ${(error as Error).message}`);
  process.exit(1);
}

const server = createIncidentsServer(store, (line) => console.error(`[incidents] ${line}`));
server.onerror = (error) => console.error(`[incidents] ${error.message}`);
// When the client closes stdin the transport closes and, holding nothing else, the process exits by itself.
await server.connect(new StdioServerTransport());
console.error(`[incidents] serving on stdio, data file ${store.file}`);
