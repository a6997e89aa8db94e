// Every workflow the worker registers. This file is the bundler's entry (workflowsPath): anything
// exported here is a workflow type, so export only workflow functions (types are fine).
export { healthCheckWorkflow } from './healthCheck.ts';
export type { HealthCheckInput, HealthCheckSummary } from './healthCheck.ts';
