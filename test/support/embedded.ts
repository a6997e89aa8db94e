// Real Temporal and FerretDB for integration tests: free ports, a temp data dir, and handles that
// stop them (and remove the data) afterwards. FerretDB's handle can crash and restart the store on
// the same port and data dir, for "the database died mid-approval" tests.
//
// We start the dev server ourselves rather than via @temporalio/testing's createLocal (its start-up
// wait is 5 s); a test that wants TestWorkflowEnvironment can wrap `address` with
// TestWorkflowEnvironment.createFromExistingServer({ address, namespace }).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerretDb, type FerretDb } from '../../integrations/embedded/ferretdb.ts';
import { freePort } from '../../integrations/embedded/ports.ts';
import { startTemporalDevServer, type TemporalDevServer } from '../../integrations/embedded/temporal.ts';

export const TEST_NAMESPACE = 'default';

export async function makeTempDir(prefix = 'countersign-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export interface TestTemporal {
  address: string;
  namespace: string;
  port: number;
  dataDir: string;
  server(): TemporalDevServer;
  /** Stops the server and starts it again on the same port and data dir. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A headless Temporal dev server on a free port. Data in dataDir, or in a fresh temp dir that stop()
 * removes.
 */
export async function startTestTemporal(options: { dataDir?: string; namespace?: string } = {}): Promise<TestTemporal> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await makeTempDir());
  const namespace = options.namespace ?? TEST_NAMESPACE;
  const port = await freePort();
  const start = () => startTemporalDevServer({ dataDir, port, headless: true, namespace });
  let server = await startOrCleanUp(start, ownDir, dataDir);
  return {
    address: server.address,
    namespace,
    port,
    dataDir,
    server: () => server,
    restart: async () => {
      await server.stop();
      server = await start();
    },
    stop: async () => {
      await server.stop();
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestFerretDb {
  uri: string;
  port: number;
  dataDir: string;
  server(): FerretDb;
  /** SIGKILL, as if the store crashed. The port stays reserved for restart(). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data dir (after kill() or stop()). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** FerretDB on a free port. Data in dataDir, or in a fresh temp dir that stop() removes. */
export async function startTestFerretDb(options: { dataDir?: string } = {}): Promise<TestFerretDb> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await makeTempDir());
  const port = await freePort();
  const start = () => startFerretDb({ dataDir, port });
  let server = await startOrCleanUp(start, ownDir, dataDir);
  return {
    uri: server.uri,
    port,
    dataDir,
    server: () => server,
    kill: async () => {
      await server.process.kill('SIGKILL');
    },
    restart: async () => {
      await server.stop();
      server = await start();
    },
    stop: async () => {
      await server.stop();
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function startOrCleanUp<T>(start: () => Promise<T>, ownDir: boolean, dataDir: string): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export interface EmbeddedStack {
  dataDir: string;
  temporal: TestTemporal;
  ferret: TestFerretDb;
  /** Stops both servers and removes the data dir. */
  stop(): Promise<void>;
}

/**
 * Both servers, sharing one temp data dir. Started one after the other: each picks its port with
 * freePort() and Temporal picks several internal ports the same way, so starting them together could
 * hand the same just-released port to both.
 */
export async function startEmbeddedStack(): Promise<EmbeddedStack> {
  const dataDir = await makeTempDir();
  let ferret: TestFerretDb | undefined;
  try {
    ferret = await startTestFerretDb({ dataDir });
    const temporal = await startTestTemporal({ dataDir });
    const started = ferret;
    return {
      dataDir,
      temporal,
      ferret: started,
      stop: async () => {
        await Promise.all([temporal.stop(), started.stop()]);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    // Do not leave the half that did start running.
    await ferret?.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** True while a process with this pid exists (signal 0 probes without sending anything). */
export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
