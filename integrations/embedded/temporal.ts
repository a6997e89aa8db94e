// The Temporal CLI's dev server as a supervised child process: a real Temporal server with SQLite
// persistence (state survives restarts with the same dataDir), bound to 127.0.0.1 only.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { COUNTERSIGN_SEARCH_ATTRIBUTES, type SearchAttributeKind } from '../../workflows/searchAttributes.ts';
import { resolveBinary } from './binaries.ts';
import { spawnManaged, waitUntilReady, type EmbeddedLogger, type ManagedChild } from './childProcess.ts';
import { assertPortFree, canConnect, LOCALHOST } from './ports.ts';

export interface TemporalDevServerOptions {
  /** Holds temporal.db; created if missing. */
  dataDir: string;
  /** gRPC frontend port (default 7233). */
  port?: number;
  /** Web UI port (default port + 1000); ignored when headless. */
  uiPort?: number;
  headless?: boolean;
  /** Created at start-up in addition to "default" (default "default"). */
  namespace?: string;
  /** Registered on every namespace at start-up (default: Countersign's own). */
  searchAttributes?: Readonly<Record<string, SearchAttributeKind>>;
  logger?: EmbeddedLogger;
  /** Default 60 s: a cold start on a busy 2-core machine takes several seconds. */
  startTimeoutMs?: number;
  /** Server log level (default "warn"). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Told to the user when a port is taken (default: a generic hint). */
  portHint?: string;
  /** Binary to run (default: the cached temporal-1.5.1). */
  binary?: string;
}

export interface TemporalDevServer {
  /** host:port of the gRPC frontend, for Connection/NativeConnection. */
  address: string;
  namespace: string;
  /** Undefined when headless. */
  uiUrl: string | undefined;
  pid: number | undefined;
  process: ManagedChild;
  /** SIGTERM, then SIGKILL after timeoutMs (default 10 s). */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const binary = options.binary ?? resolveBinary('temporal');
  const port = options.port ?? 7233;
  const headless = options.headless ?? false;
  const uiPort = headless ? undefined : (options.uiPort ?? port + 1000);
  const namespace = options.namespace ?? 'default';
  const searchAttributes = options.searchAttributes ?? COUNTERSIGN_SEARCH_ATTRIBUTES;
  const hint = options.portHint ?? 'Stop the process using it or start the embedded Temporal on another port.';
  await assertPortFree(port, { service: 'Temporal dev server (gRPC frontend)', hint });
  if (uiPort !== undefined) await assertPortFree(uiPort, { service: 'Temporal Web UI', hint });

  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    LOCALHOST,
    '--port',
    String(port),
    '--db-filename',
    join(dataDir, 'temporal.db'),
    '--namespace',
    namespace,
    '--log-level',
    options.logLevel ?? 'warn',
    // Belt and braces with TEMPORAL_VERSION_CHECK_DISABLED: the dev server must never call home.
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...Object.entries(searchAttributes).flatMap(([name, kind]) => ['--search-attribute', `${name}=${kind}`]),
  ];
  const address = `${LOCALHOST}:${port}`;
  options.logger?.info({ address, dataDir }, 'starting Temporal dev server');
  const child = spawnManaged({
    name: 'temporal',
    command: binary,
    args,
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
    ...(options.logger ? { logger: options.logger } : {}),
  });

  const started = Date.now();
  await waitUntilReady(child, {
    service: `Temporal dev server on ${address}`,
    timeoutMs: options.startTimeoutMs ?? 60_000,
    probe: () => frontendAnswers(address, port, namespace),
  });
  const uiUrl = uiPort === undefined ? undefined : `http://${LOCALHOST}:${uiPort}`;
  options.logger?.info({ address, uiUrl, ms: Date.now() - started }, 'Temporal dev server ready');

  return {
    address,
    namespace,
    uiUrl,
    pid: child.pid,
    process: child,
    stop: async (stopOptions) => {
      await child.stop(stopOptions);
    },
  };
}

/** The frontend is ready once it serves DescribeNamespace for our namespace (created at start-up). */
async function frontendAnswers(address: string, port: number, namespace: string): Promise<boolean> {
  if (!(await canConnect(port))) return false;
  const connection = Connection.lazy({ address, connectTimeout: 1_000 });
  try {
    await connection.withDeadline(Date.now() + 2_000, () =>
      connection.workflowService.describeNamespace({ namespace }),
    );
    return true;
  } catch {
    return false;
  } finally {
    await connection.close().catch(() => undefined);
  }
}
