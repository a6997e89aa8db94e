// Starts the Temporal worker with Countersign's activities. Shared by `countersign worker`
// (production) and `countersign dev` (embedded default).
import { existsSync } from 'node:fs';
import type { Worker } from '@temporalio/worker';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { createActivities } from '../activities/index.ts';
import { DEFAULT_WORKFLOW_BUNDLE_PATH, writeWorkflowBundle } from '../integrations/temporal/bundle.ts';
import { TASK_QUEUE, connectNativeConnection } from '../integrations/temporal/connection.ts';
import { toTemporalLogger } from '../integrations/temporal/logger.ts';

export interface WorkerRuntimeOptions {
  address: string;
  namespace: string;
  taskQueue?: string;
  db: Db;
  logger: Logger;
  /** A pre-built bundle; `build` (re)writes one to the default path first (what `countersign dev` does). */
  workflowBundle: string;
}

export interface WorkerRuntime {
  worker: Worker;
  /** Resolves when the worker has stopped. */
  running: Promise<void>;
  stop(): Promise<void>;
}

export async function startWorkerRuntime(options: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  let codePath = options.workflowBundle;
  if (codePath === 'build') {
    codePath = (await writeWorkflowBundle(DEFAULT_WORKFLOW_BUNDLE_PATH, { logger: toTemporalLogger(options.logger) }))
      .codePath;
  } else if (!existsSync(codePath)) {
    throw new Error(
      `Workflow bundle not found at ${codePath}: run \`npm run build:workflows\` or pass --workflow-bundle`,
    );
  }
  const connection = await connectNativeConnection({ address: options.address, namespace: options.namespace });
  const { createWorker } = await import('../integrations/temporal/worker.ts');
  const worker = await createWorker({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    activities: createActivities({ mongo: options.db, logger: options.logger }),
    workflowBundle: { codePath },
  });
  const running = worker.run().finally(() => connection.close().catch(() => undefined));
  options.logger.info({ taskQueue: options.taskQueue ?? TASK_QUEUE, workflowBundle: codePath }, 'worker running');
  return {
    worker,
    running,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
    },
  };
}
