// A small end-to-end probe of the durable path: Temporal schedules two activities on the worker, one
// of which writes to the audit store. Deterministic: no I/O here, time comes from the workflow clock.
import { ActivityFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { AuditStoreProbe, HealthCheckActivities } from '../activities/index.ts';

export interface HealthCheckInput {
  /** Who or what asked (CLI user, readiness probe, test); stored with the record. */
  requestedBy?: string;
}

export interface HealthCheckSummary {
  status: 'healthy' | 'unhealthy';
  workflowId: string;
  runId: string;
  checkedAt: string;
  auditStore: AuditStoreProbe | { ok: false; error: string };
  /** _id of the record in `health_checks`; absent when the store could not be reached. */
  recordId?: string;
}

const { probeAuditStore, recordHealthCheck } = proxyActivities<HealthCheckActivities>({
  startToCloseTimeout: '10 seconds',
  // A health check reports trouble instead of waiting it out.
  retry: { maximumAttempts: 3, initialInterval: '200 milliseconds', backoffCoefficient: 2 },
});

export async function healthCheckWorkflow(input: HealthCheckInput = {}): Promise<HealthCheckSummary> {
  const { workflowId, runId } = workflowInfo();
  const checkedAt = new Date(Date.now()).toISOString();
  let auditStore: AuditStoreProbe;
  try {
    auditStore = await probeAuditStore();
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return {
      status: 'unhealthy',
      workflowId,
      runId,
      checkedAt,
      auditStore: { ok: false, error: error.cause?.message ?? error.message },
    };
  }
  const { id } = await recordHealthCheck({
    workflowId,
    runId,
    checkedAt,
    requestedBy: input.requestedBy ?? 'unknown',
    auditStore,
  });
  return { status: 'healthy', workflowId, runId, checkedAt, auditStore, recordId: id };
}
