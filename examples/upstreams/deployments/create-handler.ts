// The deployments MCP endpoint: 2026-07-28 only. `createMcpHandler(..., { legacy: 'reject' })` answers any 2025-era
// request (an `initialize`, or anything without the per-request `_meta` envelope) with the unsupported-protocol-
// version error, so old-revision clients are refused rather than served statelessly.
import { createMcpHandler, Server, type McpHttpHandler } from '@modelcontextprotocol/server';
import { serveTools } from '../shared/serve-tools.ts';
import { MutableCatalog } from './catalog.ts';
import { DeploymentState } from './state.ts';
import { canaryReleaseTool, deploymentTools } from './tools.ts';

export interface DeploymentsEndpoint {
  handler: McpHttpHandler;
  catalog: MutableCatalog;
  state: DeploymentState;
  /** Adds `canary_release`; false when it was already there. */
  enableBeta: () => boolean;
}

export function createDeploymentsEndpoint(onerror: (error: Error) => void = () => {}): DeploymentsEndpoint {
  const state = new DeploymentState();
  const catalog = new MutableCatalog(deploymentTools(state));

  // Called once per HTTP request: keep it to constructing a Server and two handler registrations over the shared
  // catalog. `listChanged` is advertised so subscriptions/listen honours a `toolsListChanged` filter.
  const handler = createMcpHandler(
    () => {
      const server = new Server(
        { name: 'deployments', title: 'Deployments (example)', version: '1.0.0' },
        { capabilities: { tools: { listChanged: true } } },
      );
      serveTools(server, catalog);
      return server;
    },
    { legacy: 'reject', onerror },
  );

  return { handler, catalog, state, enableBeta: () => catalog.add(canaryReleaseTool(state)) };
}
