// The Countersign worker: runs workflows from a pre-built bundle when given one (production), or
// bundles workflows/ in memory at start-up (development), plus the injected activities.
import { Worker, type NativeConnection, type WorkflowBundle, type WorkflowBundlePath } from '@temporalio/worker';
import { bundleWorkflows } from './bundle.ts';
import { TASK_QUEUE } from './connection.ts';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  /** Default: TASK_QUEUE ("countersign"). */
  taskQueue?: string;
  /** From createActivities(deps). */
  activities: object;
  /** A pre-built bundle (`npm run build:workflows`); without it workflows are bundled at start-up. */
  workflowBundle?: WorkflowBundlePath | WorkflowBundle;
  /** Seconds in-flight activities get to finish on shutdown (default 10). */
  shutdownGraceSeconds?: number;
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const workflowBundle = options.workflowBundle ?? (await bundleWorkflows());
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    activities: options.activities,
    workflowBundle,
    shutdownGraceTime: `${options.shutdownGraceSeconds ?? 10} seconds`,
  });
}
