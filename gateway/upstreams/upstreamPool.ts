// All upstream connections, started together and kept current. The catalog is rebuilt whenever one
// of them reports a tool-list change, and listeners (the MCP endpoint) are told so agents can be notified.
import type { Tool } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import type { UpstreamConfig } from '../../config/schema.ts';
import type { GatewayMetrics } from '../../observability/metrics.ts';
import { ToolCatalog } from '../catalog.ts';
import { UpstreamConnection } from './upstreamConnection.ts';

export interface UpstreamPoolOptions {
  upstreams: UpstreamConfig[];
  baseDir: string;
  logger: Logger;
  metrics?: GatewayMetrics;
}

export class UpstreamPool {
  readonly catalog: ToolCatalog;
  private readonly connections = new Map<string, UpstreamConnection>();
  private readonly changeListeners = new Set<() => void>();

  constructor(private readonly options: UpstreamPoolOptions) {
    this.catalog = new ToolCatalog(options.logger);
    for (const config of options.upstreams) {
      this.connections.set(
        config.name,
        new UpstreamConnection(config, {
          baseDir: options.baseDir,
          logger: options.logger,
          onToolsChanged: () => this.rebuildCatalog(),
          onConnectionChanged: (name, connected) =>
            options.metrics?.upstreamConnected.set({ upstream: name }, connected ? 1 : 0),
        }),
      );
    }
  }

  async start(): Promise<void> {
    await Promise.all([...this.connections.values()].map((connection) => connection.start()));
    this.rebuildCatalog();
  }

  get(name: string): UpstreamConnection | undefined {
    return this.connections.get(name);
  }

  /** Live instruction hashes by upstream, compared with the ones a consent pinned. */
  instructionHashes(): ReadonlyMap<string, string> {
    return new Map([...this.connections].map(([name, connection]) => [name, connection.state.instructionsHash]));
  }

  states(): UpstreamConnection['state'][] {
    return [...this.connections.values()].map((connection) => connection.state);
  }

  /** Called when what agents see changes (a tool added, removed, redefined or blocked). */
  onToolsChanged(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private rebuildCatalog(): void {
    // A disconnected upstream keeps its last known tools listed: calls to it get a clear
    // "upstream unavailable" instead of the tool silently vanishing from the agent's view.
    const toolsByUpstream = new Map<string, readonly Tool[]>();
    for (const [name, connection] of this.connections) toolsByUpstream.set(name, connection.state.tools);
    if (this.catalog.rebuild(toolsByUpstream)) {
      for (const listener of this.changeListeners) listener();
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((connection) => connection.close()));
  }
}
