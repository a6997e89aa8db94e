// The bench's child processes: the deployments upstream, the gateway (bench/gatewayProcess.ts) and
// FerretDB. Every child is registered for clean-up, which runs on normal exit, on failure and on
// SIGINT/SIGTERM; anything still alive when the bench process exits is SIGKILLed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startFerretDb, type FerretDb } from '../../integrations/embedded/ferretdb.ts';
import { freePort } from '../../integrations/embedded/ports.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

type Cleanup = { name: string; run: () => Promise<void> };
const cleanups: Cleanup[] = [];
const liveChildren = new Set<ChildProcess>();

export function register(name: string, run: () => Promise<void>): () => void {
  const entry = { name, run };
  cleanups.push(entry);
  return () => {
    const index = cleanups.indexOf(entry);
    if (index >= 0) cleanups.splice(index, 1);
  };
}

/** Runs every registered clean-up, newest first; never throws. */
export async function cleanupAll(): Promise<void> {
  while (cleanups.length > 0) {
    const entry = cleanups.pop()!;
    await Promise.race([entry.run().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 15_000))]);
  }
}

let hooksInstalled = false;
export function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
  // Kept registered (not `once`): integrations/embedded/childProcess.ts defers to other SIGINT/SIGTERM
  // listeners only while they exist, otherwise it re-raises the signal and cuts this clean-up short.
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        for (const child of liveChildren) child.kill('SIGKILL');
        process.exit(130);
      }
      stopping = true;
      process.stderr.write(`\n[bench] ${signal}: stopping children\n`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}

/**
 * A shell loop that SIGKILLs `child` once this process is gone, however it went (even SIGKILL):
 * the same guard the embedded servers get from childProcess.ts.
 */
function watchdog(child: ChildProcess): void {
  if (child.pid === undefined) return;
  const guard = spawn(
    '/bin/sh',
    [
      '-c',
      'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -KILL "$2" 2>/dev/null; exit 0',
      'bench-watchdog',
      String(process.pid),
      String(child.pid),
    ],
    { stdio: 'ignore', detached: true },
  );
  guard.unref();
  child.once('exit', () => guard.kill('SIGKILL'));
}

export function track(child: ChildProcess): void {
  liveChildren.add(child);
  watchdog(child);
  child.once('exit', () => liveChildren.delete(child));
}

/** Waits for exit; SIGTERM first, SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export function keepTail(child: ChildProcess, lines: string[], onLine?: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 40) lines.shift();
      onLine?.(line);
    });
  }
}

export interface UpstreamChild {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** examples/upstreams/deployments/server.ts in its own node process (2026-07-28 MCP over HTTP). */
/** The deployments example (default) or the lean echo upstream of the throughput runs. */
export async function startUpstream(script = 'examples/upstreams/deployments/server.ts'): Promise<UpstreamChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const unregister = register('upstream', () => stopChild(child));
  const tail: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`upstream did not start within 30 s:\n${tail.join('\n')}`)),
      30_000,
    );
    keepTail(child, tail, (line) => {
      if (!line.startsWith('{')) return;
      try {
        const event = JSON.parse(line) as { event?: string; url?: string };
        if (event.event === 'listening' && event.url) {
          clearTimeout(timer);
          resolve(event.url);
        }
      } catch {
        // not the ready line
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`upstream exited (${code ?? signal}) before listening:\n${tail.join('\n')}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      unregister();
      await stopChild(child);
    },
  };
}

export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  register(`rm ${dir}`, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface FerretChild {
  /** What the gateway connects to, as under `countersign dev`: the Unix socket. */
  uri: string;
  /** Loopback TCP. */
  tcpUri: string;
  pid: number;
  stop(): Promise<void>;
}

/** FerretDB (SQLite backend) on a free port, data in a temp dir removed on stop. */
export async function startFerret(): Promise<FerretChild> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'countersign-bench-'));
  let ferret: FerretDb;
  try {
    // BENCH_STORE_SYNC=normal: the embedded store as `countersign dev --store-sync normal` runs it.
    const sync = process.env.BENCH_STORE_SYNC === 'normal' ? 'normal' : 'full';
    ferret = await startFerretDb({ dataDir, port: await freePort(), sync });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const stop = async (): Promise<void> => {
    await ferret.stop({ timeoutMs: 5000 });
    await rm(dataDir, { recursive: true, force: true });
  };
  const unregister = register('ferretdb', stop);
  return {
    // BENCH_STORE_TCP=1: the gateway reaches the store over loopback TCP instead (to compare).
    uri: process.env.BENCH_STORE_TCP === '1' ? ferret.uri : ferret.localUri,
    tcpUri: ferret.uri,
    pid: ferret.pid!,
    stop: async () => {
      unregister();
      await stop();
    },
  };
}

/**
 * One bench at a time on a machine: two runs share the CPU and each one's figures are wrong. Waits
 * (up to `maxWaitMs`) while another live bench holds `.bench/run.lock`, then takes it.
 */
export async function acquireBenchLock(
  dir: string,
  log: (message: string) => void,
  maxWaitMs = 15 * 60_000,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'run.lock');
  const started = Date.now();
  let told = false;
  for (;;) {
    const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    const alive = holder > 0 && holder !== process.pid && isAlive(holder);
    if (!alive) break;
    if (Date.now() - started > maxWaitMs)
      throw new Error(`another bench (pid ${holder}) has held ${file} for ${maxWaitMs / 60_000} minutes`);
    if (!told)
      log(`another bench is running (pid ${holder}); waiting for it so the two do not skew each other's figures`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  await writeFile(file, `${process.pid}\n`);
  register('bench lock', () => rm(file, { force: true }));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
