// `countersign worker`: the Temporal worker process (approval and guardian workflows and their
// activities) against external Temporal and MongoDB. Runs the pre-built workflow bundle.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { DEFAULT_WORKFLOW_BUNDLE_PATH } from '../../integrations/temporal/bundle.ts';
import { connectMongo } from '../../integrations/mongodb/connect.ts';
import { createLogger } from '../../observability/logger.ts';
import { resolveConfigPath } from '../configPath.ts';
import { onShutdown } from '../shutdown.ts';
import { startWorkerRuntime } from '../workerRuntime.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the Temporal worker against external Temporal and MongoDB')
    .option('-c, --config <path>', 'config file (default: $COUNTERSIGN_CONFIG or ./countersign.yaml)')
    .option(
      '--workflow-bundle <path>',
      "pre-built workflow bundle, or 'build' to bundle at start-up",
      DEFAULT_WORKFLOW_BUNDLE_PATH,
    )
    .action(async (flags: { config?: string; workflowBundle: string }) => {
      const loaded = await loadConfig(resolveConfigPath(flags.config));
      const logger = createLogger({ level: loaded.env.LOG_LEVEL, name: 'countersign-worker' });
      const mongo = await connectMongo(loaded.env.MONGODB_URI, loaded.file.audit.database);
      const runtime = await startWorkerRuntime({
        address: loaded.env.TEMPORAL_ADDRESS,
        namespace: loaded.env.TEMPORAL_NAMESPACE,
        taskQueue: loaded.file.temporal.taskQueue,
        db: mongo.db,
        logger,
        workflowBundle: flags.workflowBundle,
      });
      onShutdown(logger, async () => {
        await runtime.stop();
        await mongo.close();
      });
      await runtime.running;
    });
}
