// Activities behind healthCheckWorkflow. Dependencies are injected so tests and `countersign dev`
// hand in whichever store they started (FerretDB embedded, MongoDB in production).
import { activityInfo } from '@temporalio/activity';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';

export const HEALTH_CHECKS_COLLECTION = 'health_checks';

export interface HealthCheckDeps {
  mongo: Db;
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
}

export interface AuditStoreProbe {
  ok: true;
  database: string;
  latencyMs: number;
}

export interface HealthCheckRecordInput {
  workflowId: string;
  runId: string;
  checkedAt: string;
  requestedBy: string;
  auditStore: AuditStoreProbe;
}

export interface HealthCheckRecord extends HealthCheckRecordInput {
  _id: string;
  recordedAt: Date;
  attempt: number;
}

export function createHealthCheckActivities({ mongo, logger }: HealthCheckDeps) {
  return {
    /** Round trip to the audit store; throws (and is retried) when it does not answer. */
    async probeAuditStore(): Promise<AuditStoreProbe> {
      const started = performance.now();
      await mongo.command({ ping: 1 });
      return {
        ok: true,
        database: mongo.databaseName,
        latencyMs: Math.round((performance.now() - started) * 100) / 100,
      };
    },

    /**
     * One record per workflow run. Keyed by run so a retried attempt (say, the worker died after the
     * write but before reporting it) finds the record instead of writing a second one.
     */
    async recordHealthCheck(input: HealthCheckRecordInput): Promise<{ id: string }> {
      const id = `${input.workflowId}/${input.runId}`;
      const record: Omit<HealthCheckRecord, '_id'> = {
        ...input,
        recordedAt: new Date(),
        attempt: activityInfo().attempt,
      };
      await mongo
        .collection<HealthCheckRecord>(HEALTH_CHECKS_COLLECTION)
        .updateOne({ _id: id }, { $setOnInsert: record }, { upsert: true });
      logger.info({ healthCheck: id }, 'health check recorded');
      return { id };
    },
  };
}
