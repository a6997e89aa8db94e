// FerretDB with its SQLite backend as a supervised child process: the embedded MongoDB-wire store.
// It has no transactions, change streams, TTL indexes or $lookup; code that uses the `mongodb` driver
// without those works on it and on real MongoDB alike.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MongoClient } from 'mongodb';
import { resolveBinary } from './binaries.ts';
import { spawnManaged, waitUntilReady, type EmbeddedLogger, type ManagedChild } from './childProcess.ts';
import { assertPortFree, canConnect, LOCALHOST } from './ports.ts';
import { MAX_SOCKET_PATH_BYTES, claimSocketPath, mongoSocketUri } from './unixSocket.ts';

export interface FerretDbOptions {
  /** Databases go to <dataDir>/ferretdb/ (one SQLite file each), state to <dataDir>/ferretdb-state/. */
  dataDir: string;
  /** Default 27017. */
  port?: number;
  logger?: EmbeddedLogger;
  /** Default 30 s. */
  startTimeoutMs?: number;
  /** FerretDB log level (default "warn": at info it logs every connection). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Told to the user when the port is taken (default: a generic hint). */
  portHint?: string;
  /** Binary to run (default: the cached ferretdb-1.24.2). */
  binary?: string;
  /**
   * `full` (default): SQLite fsyncs every commit, so an acknowledged audit record survives a power
   * cut. `normal`: WAL commits without fsync: records survive a crash of FerretDB or the gateway
   * but the last commits can roll back on a power cut or kernel crash; single-record inserts
   * take about half as long (0.9 vs 1.8 ms p50 here). Like MongoDB's default write concern,
   * which does not wait for the journal either.
   */
  sync?: 'full' | 'normal';
  /**
   * Also listen on <dataDir>/ferretdb.sock (default true), for processes on this machine; skipped
   * when that path is too long to bind. `localUri` says which one to use.
   */
  unixSocket?: boolean;
}

export interface FerretDb {
  /** mongodb://127.0.0.1:<port> — pick the database in code. What people and tools connect to. */
  uri: string;
  /** The Unix socket's URI, or null when it is off. */
  socketUri: string | null;
  /** The cheapest way in from this machine: the socket if there is one, else `uri`. */
  localUri: string;
  port: number;
  dataDir: string;
  pid: number | undefined;
  process: ManagedChild;
  /** SIGTERM, then SIGKILL after timeoutMs (default 10 s). */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

export async function startFerretDb(options: FerretDbOptions): Promise<FerretDb> {
  const binary = options.binary ?? resolveBinary('ferretdb');
  const port = options.port ?? 27017;
  await assertPortFree(port, {
    service: 'FerretDB (embedded MongoDB-wire store)',
    hint:
      options.portHint ??
      'Stop the process using it (another mongod or FerretDB?) or start the embedded store on another port.',
  });

  const dataDir = resolve(options.dataDir);
  const sqliteDir = join(dataDir, 'ferretdb');
  const stateDir = join(dataDir, 'ferretdb-state');
  // FerretDB does not create the SQLite directory itself; the trailing slash is required.
  await mkdir(sqliteDir, { recursive: true });
  await mkdir(stateDir, { recursive: true });
  const socketPath = join(dataDir, 'ferretdb.sock');
  const useSocket = options.unixSocket !== false && Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH_BYTES;
  if (useSocket) await claimSocketPath(socketPath, 'FerretDB (embedded MongoDB-wire store)');
  else if (options.unixSocket !== false) {
    options.logger?.info(
      { socketPath, maxBytes: MAX_SOCKET_PATH_BYTES },
      'data directory path too long for a Unix socket; local processes use TCP',
    );
  }
  const args = [
    '--handler=sqlite',
    `--sqlite-url=${pathToFileURL(sqliteDir).href}/${options.sync === 'normal' ? '?_pragma=synchronous(normal)' : ''}`,
    `--listen-addr=${LOCALHOST}:${port}`,
    ...(useSocket ? [`--listen-unix=${socketPath}`] : []),
    // Never call home, and no debug/metrics HTTP listener on a fixed port (8088 would clash).
    '--telemetry=disable',
    '--debug-addr=-',
    // Its state file (instance id, telemetry choice) defaults to the working directory.
    `--state-dir=${stateDir}`,
    `--log-level=${options.logLevel ?? 'warn'}`,
  ];
  const uri = `mongodb://${LOCALHOST}:${port}`;
  const socketUri = useSocket ? mongoSocketUri(socketPath) : null;
  options.logger?.info({ uri, dataDir }, 'starting FerretDB');
  const child = spawnManaged({
    name: 'ferretdb',
    command: binary,
    args,
    // GOGC=400: Go's collector ran ~10% of FerretDB's CPU on audit inserts; 400 saves 10–25% of
    // its CPU per document for ~12 MB more memory (measured on the audit record shape).
    env: { GOGC: '400', ...process.env, FERRETDB_TELEMETRY: 'disable' },
    ...(options.logger ? { logger: options.logger } : {}),
  });

  const started = Date.now();
  await waitUntilReady(child, {
    service: `FerretDB on ${LOCALHOST}:${port}`,
    timeoutMs: options.startTimeoutMs ?? 30_000,
    // Both listeners must be up: the socket is what this machine's processes will use.
    probe: async () => (await pingAnswers(uri, port)) && (socketUri === null || (await mongoPings(socketUri))),
  });
  options.logger?.info({ uri, ms: Date.now() - started }, 'FerretDB ready');

  return {
    uri,
    socketUri,
    localUri: socketUri ?? uri,
    port,
    dataDir,
    pid: child.pid,
    process: child,
    stop: async (stopOptions) => {
      await child.stop(stopOptions);
    },
  };
}

async function pingAnswers(uri: string, port: number): Promise<boolean> {
  if (!(await canConnect(port))) return false;
  return mongoPings(uri);
}

/** A MongoClient connects and `ping` succeeds (TCP or socket URI). */
async function mongoPings(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}
