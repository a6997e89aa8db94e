// /healthz names which dependency is down, so an operator (or a load balancer) knows why the
// gateway is refusing calls without reading logs.
import type { MongoAuditStore } from '../../audit/auditStore.ts';
import { errorMessage } from '../errors.ts';
import type { UpstreamPool } from '../upstreams/upstreamPool.ts';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  dependencies: Record<string, { ok: boolean; detail?: string }>;
}

export async function checkHealth(audit: MongoAuditStore, pool: UpstreamPool): Promise<HealthReport> {
  const dependencies: HealthReport['dependencies'] = {};
  try {
    await audit.ping(1000);
    dependencies['auditStore'] = { ok: true };
  } catch (error) {
    dependencies['auditStore'] = {
      ok: false,
      detail: `audit store unreachable: ${errorMessage(error)}; tool calls are refused`,
    };
  }
  for (const upstream of pool.states()) {
    dependencies[`upstream:${upstream.name}`] = upstream.connected
      ? { ok: true, detail: `${upstream.era ?? 'unknown'} ${upstream.protocolVersion ?? ''}`.trim() }
      : { ok: false, detail: upstream.lastError ?? 'not connected' };
  }
  const auditOk = dependencies['auditStore']?.ok ?? false;
  const allOk = Object.values(dependencies).every((dependency) => dependency.ok);
  return { status: !auditOk ? 'down' : allOk ? 'ok' : 'degraded', dependencies };
}
