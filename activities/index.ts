// All activities the worker registers, built from injected dependencies
// (the activities-dependency-injection pattern). Workflows see only the types.
import { createHealthCheckActivities, type HealthCheckDeps } from './healthCheck.ts';

export type { AuditStoreProbe, HealthCheckRecord, HealthCheckRecordInput } from './healthCheck.ts';
export { HEALTH_CHECKS_COLLECTION } from './healthCheck.ts';

export type ActivityDeps = HealthCheckDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createHealthCheckActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type HealthCheckActivities = ReturnType<typeof createHealthCheckActivities>;
