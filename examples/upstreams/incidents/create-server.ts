// Builds the incidents MCP server. It speaks only the 2025-era revisions: the `initialize` handshake and nothing of
// 2026-07-28. A low-level `Server` registers a `server/discover` handler only when its `supportedProtocolVersions`
// include a modern revision, so with the list below a `server/discover` probe is answered -32601 (method not found)
// and a negotiating client falls back to `initialize`. (`serveStdio` would add the modern entry, so it is not used.)
import { Server } from '@modelcontextprotocol/server';
import { serveTools, staticCatalog } from '../shared/serve-tools.ts';
import { incidentTools, type Log } from './tools.ts';
import type { IncidentStore } from './store.ts';

/** Offered in this order: `initialize` counter-offers the first entry to a client asking for anything else. */
export const INCIDENTS_PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18'];

export function createIncidentsServer(store: IncidentStore, log?: Log): Server {
  const server = new Server(
    { name: 'incidents', title: 'Incident tracker (example)', version: '1.0.0' },
    {
      capabilities: { tools: {} },
      supportedProtocolVersions: INCIDENTS_PROTOCOL_VERSIONS,
      instructions: 'Incident tracker. Search before acting; prefer comments and updates over deletion.',
    },
  );
  serveTools(server, staticCatalog(incidentTools(store, log)));
  return server;
}
