// Prometheus metrics for /metrics. A registry per gateway instance (not the global default)
// so tests can run several gateways in one process without "metric already registered".
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  registry: Registry;
  calls: Counter<'upstream' | 'tool' | 'decision' | 'outcome'>;
  callLatency: Histogram<'upstream' | 'decision'>;
  openSessions: Gauge<'kind'>;
  auditBatchSize: Histogram;
  auditBatchLatency: Histogram;
  auditFailures: Counter<'reason'>;
  upstreamConnected: Gauge<'upstream'>;
  /** POSTs to /mcp by who answered them: `direct` (tools/call hot path) or `sdk` (everything else). */
  mcpPosts: Counter<'path'>;
  streamsClosed: Counter<'code'>;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'countersign_process_' });
  return {
    registry,
    calls: new Counter({
      name: 'countersign_tool_calls_total',
      help: 'tools/call requests by upstream, tool, policy decision and outcome',
      labelNames: ['upstream', 'tool', 'decision', 'outcome'],
      registers: [registry],
    }),
    callLatency: new Histogram({
      name: 'countersign_tool_call_duration_seconds',
      help: 'Time from receiving tools/call to answering it',
      labelNames: ['upstream', 'decision'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    openSessions: new Gauge({
      name: 'countersign_open_sessions',
      help: 'Open sessions (legacy MCP transport sessions; agent sessions once identity lands)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    auditBatchSize: new Histogram({
      name: 'countersign_audit_batch_size',
      help: 'Decision records per group-committed insertMany',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    }),
    auditBatchLatency: new Histogram({
      name: 'countersign_audit_batch_duration_seconds',
      help: 'Round-trip time of one group-committed audit insert',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    auditFailures: new Counter({
      name: 'countersign_audit_failures_total',
      help: 'Audit writes that failed; each failed decision write refused its call',
      labelNames: ['reason'],
      registers: [registry],
    }),
    upstreamConnected: new Gauge({
      name: 'countersign_upstream_connected',
      help: '1 when the pooled client to the upstream is connected',
      labelNames: ['upstream'],
      registers: [registry],
    }),
    mcpPosts: new Counter({
      name: 'countersign_mcp_posts_total',
      help: 'POST requests to /mcp by the path that answered them: direct (tools/call hot path) or sdk',
      labelNames: ['path'],
      registers: [registry],
    }),
    streamsClosed: new Counter({
      name: 'countersign_streams_closed_total',
      help: 'Open /mcp responses (streams, running calls) closed because their session was revoked, paused or expired',
      labelNames: ['code'],
      registers: [registry],
    }),
  };
}
