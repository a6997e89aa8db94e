// `countersign dev`: the whole embedded default in one command. Temporal dev server and FerretDB
// (built from pinned Go modules), the worker with its pre-built workflow bundle, the example
// upstreams and the gateway, with data kept in .data/ across restarts.
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { startDeploymentsServer } from '../../examples/upstreams/deployments/app.ts';
import { startGateway } from '../../gateway/gateway.ts';
import { startFerretDb } from '../../integrations/embedded/ferretdb.ts';
import { assertPortFree } from '../../integrations/embedded/ports.ts';
import { startTemporalDevServer } from '../../integrations/embedded/temporal.ts';
import { connectClient } from '../../integrations/temporal/connection.ts';
import { connectMongo } from '../../integrations/mongodb/connect.ts';
import { createLogger } from '../../observability/logger.ts';
import { resolveConfigPath } from '../configPath.ts';
import { onShutdown } from '../shutdown.ts';
import { startWorkerRuntime } from '../workerRuntime.ts';
import type { HealthCheckSummary, healthCheckWorkflow } from '../../workflows/index.ts';
import { withDevIdentity } from '../devIdentity.ts';
import { printDevBanner } from './devBanner.ts';

interface DevFlags {
  config?: string;
  dataDir: string;
  port: number;
  temporalPort: number;
  temporalUiPort: number;
  mongoPort: number;
  deploymentsPort: number;
  storeSync: 'full' | 'normal';
}

const int = (value: string) => Number.parseInt(value, 10);
const storeSync = (value: string): 'full' | 'normal' => {
  if (value === 'full' || value === 'normal') return value;
  throw new InvalidArgumentError(`--store-sync must be 'full' or 'normal', got '${value}'`);
};

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('start the embedded default: Temporal, FerretDB, worker, example upstreams and the gateway')
    .option('-c, --config <path>', 'config file (default: ./countersign.yaml)')
    .option('--data-dir <dir>', 'where Temporal, FerretDB and the examples keep their data', '.data')
    .option('-p, --port <port>', 'gateway port', int, 7410)
    .option('--temporal-port <port>', 'Temporal gRPC port', int, 7233)
    .option('--temporal-ui-port <port>', 'Temporal Web UI port', int, 8233)
    .option('--mongo-port <port>', 'FerretDB (MongoDB wire) port', int, 27017)
    .option('--deployments-port <port>', 'example deployments upstream port', int, 7420)
    .option(
      '--store-sync <mode>',
      "FerretDB commits: 'full' fsyncs each (audit survives a power cut), 'normal' survives process crashes only and is ~2x faster",
      storeSync,
      'full',
    )
    .action(async (flags: DevFlags) => runDev(flags));
}

async function runDev(flags: DevFlags): Promise<void> {
  const logger = createLogger({ name: 'countersign-dev' });
  const loaded = await loadConfig(resolveConfigPath(flags.config));
  const dataDir = path.resolve(flags.dataDir);
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error: unknown) => logger.warn({ err: String(error) }, 'cleanup failed'));
  };
  onShutdown(logger, stopAll);

  try {
    // Check every port up front, so a clash is reported before anything starts.
    await assertPortFree(flags.port, { service: 'Countersign gateway', hint: 'pass --port to use another one' });
    await assertPortFree(flags.deploymentsPort, {
      service: 'example deployments upstream',
      hint: 'pass --deployments-port (and change its url in the config)',
    });

    logger.info({ dataDir }, 'starting Temporal dev server and FerretDB');
    const [temporal, ferret] = await Promise.all([
      startTemporalDevServer({
        dataDir: path.join(dataDir, 'temporal'),
        port: flags.temporalPort,
        uiPort: flags.temporalUiPort,
        namespace: loaded.env.TEMPORAL_NAMESPACE,
        logger,
        portHint: 'pass --temporal-port / --temporal-ui-port to use others',
      }),
      startFerretDb({
        dataDir: path.join(dataDir, 'ferretdb'),
        port: flags.mongoPort,
        logger,
        portHint: 'pass --mongo-port to use another one',
        sync: flags.storeSync,
      }),
    ]);
    cleanups.push(
      () => temporal.stop(),
      () => ferret.stop(),
    );

    // The gateway and worker share this machine with the store: they use its Unix socket.
    const mongo = await connectMongo(ferret.localUri, loaded.file.audit.database);
    cleanups.push(() => mongo.close());

    const deployments = await startDeploymentsServer({
      port: flags.deploymentsPort,
      onerror: (error) => logger.debug({ err: error.message }, 'deployments upstream'),
    });
    cleanups.push(() => deployments.close());

    const worker = await startWorkerRuntime({
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: loaded.file.temporal.taskQueue,
      db: mongo.db,
      logger,
      workflowBundle: 'build',
    });
    cleanups.push(() => worker.stop());

    const { config } = await withDevIdentity(
      {
        ...loaded.file,
        identity: { ...loaded.file.identity, signingKeyFile: path.join(dataDir, 'keys', 'gateway-signing-key.json') },
      },
      dataDir,
    );
    const gateway = await startGateway({ config, baseDir: loaded.baseDir, db: mongo.db, logger, port: flags.port });
    cleanups.push(() => gateway.close());

    const health = await runHealthCheck(temporal.address, temporal.namespace, loaded.file.temporal.taskQueue);
    printDevBanner({
      mcpUrl: gateway.mcpUrl,
      gatewayUrl: gateway.url,
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      mongoUri: ferret.uri,
      mongoSocketUri: ferret.socketUri,
      deploymentsUrl: deployments.url,
      dataDir,
      health,
      upstreams: gateway.pool
        .states()
        .map(
          (state) => `${state.name} (${state.connected ? `MCP ${state.protocolVersion}` : `down: ${state.lastError}`})`,
        ),
    });
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Runs the health-check workflow once, so the worker, the bundle and the store are proven at start. */
async function runHealthCheck(address: string, namespace: string, taskQueue: string): Promise<string> {
  const temporal = await connectClient({ address, namespace });
  try {
    const result: HealthCheckSummary = await temporal.client.workflow.execute<typeof healthCheckWorkflow>(
      'healthCheckWorkflow',
      {
        taskQueue,
        workflowId: `countersign-dev-health-${Date.now()}`,
        args: [{ requestedBy: 'countersign dev' }],
        workflowExecutionTimeout: '30 seconds',
      },
    );
    return `${result.status} (workflow ${result.workflowId})`;
  } finally {
    await temporal.close();
  }
}
