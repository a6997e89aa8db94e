// Assembles a gateway from configuration: audit store, upstream pool, call pipeline, MCP endpoint
// and HTTP server. `countersign gateway` and `countersign dev` both start it through here.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { MongoAuditStore } from '../audit/auditStore.ts';
import type { ConfigFile } from '../config/schema.ts';
import { createGatewayMetrics, type GatewayMetrics } from '../observability/metrics.ts';
import { checkHealth } from './http/healthz.ts';
import { defaultAllowedHosts, type HostGuardOptions } from './http/hostGuard.ts';
import { createHttpServer } from './http/httpServer.ts';
import { McpEndpoint } from './mcp/mcpEndpoint.ts';
import { CallPipeline } from './pipeline/callPipeline.ts';
import { passThroughDecider, type CallDecider } from './pipeline/decision.ts';
import { UpstreamPool } from './upstreams/upstreamPool.ts';

export interface GatewayOptions {
  config: ConfigFile;
  baseDir: string;
  db: Db;
  logger: Logger;
  decider?: CallDecider;
  /** Overrides config.gateway.port (tests use 0). */
  port?: number;
}

export interface RunningGateway {
  url: string;
  mcpUrl: string;
  pool: UpstreamPool;
  audit: MongoAuditStore;
  pipeline: CallPipeline;
  metrics: GatewayMetrics;
  endpoint: McpEndpoint;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config, logger } = options;
  const metrics = createGatewayMetrics();
  const audit = new MongoAuditStore({
    db: options.db,
    writeTimeoutMs: config.audit.writeTimeoutMs,
    maxBatch: config.audit.maxBatch,
    logger,
    metrics,
  });
  await audit.ensureIndexes();

  const pool = new UpstreamPool({ upstreams: config.upstreams, baseDir: options.baseDir, logger, metrics });
  await pool.start();

  const pipeline = new CallPipeline({
    pool,
    audit,
    decider: options.decider ?? passThroughDecider,
    limits: config.gateway.limits,
    callTimeoutMs: config.gateway.callTimeoutMs,
    maxTotalCallTimeoutMs: config.gateway.maxTotalCallTimeoutMs,
    redactKeys: config.audit.redactKeys,
    gatewayInstance: randomUUID(),
    metrics,
  });
  const endpoint = new McpEndpoint({
    catalog: pool.catalog,
    pipeline,
    logger,
    maxRequestBytes: config.gateway.limits.maxRequestBytes,
    legacySessions: config.gateway.legacySessions,
    onSessionCountChanged: (count) => metrics.openSessions.set({ kind: 'legacy-transport' }, count),
  });
  pool.onToolsChanged(() => endpoint.notifyToolsChanged());

  let hostGuard: HostGuardOptions = { allowedHosts: new Set(), allowedOrigins: new Set() };
  const server = createHttpServer({
    endpoint,
    logger,
    metrics,
    hostGuard: () => hostGuard,
    health: () => checkHealth(audit, pool),
    maxRequestBytes: config.gateway.limits.maxRequestBytes,
  });
  const port = options.port ?? config.gateway.port;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, config.gateway.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const url = config.gateway.publicUrl ?? `http://${config.gateway.host}:${actualPort}`;
  hostGuard = {
    allowedHosts: new Set(
      config.gateway.allowedHosts ?? defaultAllowedHosts(config.gateway.host, actualPort, config.gateway.publicUrl),
    ),
    allowedOrigins: new Set(config.gateway.allowedOrigins.map((origin) => origin.toLowerCase())),
  };
  logger.info(
    {
      url: `${url}/mcp`,
      upstreams: pool.states().map((state) => `${state.name}:${state.connected ? state.era : 'down'}`),
    },
    'gateway listening',
  );

  return {
    url,
    mcpUrl: `${url}/mcp`,
    pool,
    audit,
    pipeline,
    metrics,
    endpoint,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await endpoint.close();
      await pool.close();
      await audit.flush();
      audit.close();
    },
  };
}
