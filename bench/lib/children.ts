// The bench's child processes: the deployments upstream, the gateway (bench/gatewayProcess.ts) and
// FerretDB. Every child is registered for clean-up, which runs on normal exit, on failure and on
// SIGINT/SIGTERM; anything still alive when the bench process exits is SIGKILLed.
import { fork, spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startFerretDb, type FerretDb } from '../../integrations/embedded/ferretdb.ts';
import { freePort } from '../../integrations/embedded/ports.ts';
import type { GatewayProcessConfig, GatewayReady } from '../gatewayProcess.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

type Cleanup = { name: string; run: () => Promise<void> };
const cleanups: Cleanup[] = [];
const liveChildren = new Set<ChildProcess>();

function register(name: string, run: () => Promise<void>): () => void {
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

function track(child: ChildProcess): void {
  liveChildren.add(child);
  watchdog(child);
  child.once('exit', () => liveChildren.delete(child));
}

/** Waits for exit; SIGTERM first, SIGKILL after `graceMs`. */
async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function keepTail(child: ChildProcess, lines: string[], onLine?: (line: string) => void): void {
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

export interface GatewayChild {
  mcpUrl: string;
  baseUrl: string;
  pid: number;
  request<T = Record<string, unknown>>(type: string, extra?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Orderly shutdown over IPC (so a --cpu-prof profile gets written), SIGKILL if that fails. */
  stop(): Promise<void>;
}

export async function startGatewayChild(
  config: GatewayProcessConfig,
  extraExecArgv: string[] = [],
): Promise<GatewayChild> {
  // BENCH_GATEWAY_SCRIPT: a pre-built bundle of bench/gatewayProcess.ts (see BENCHMARKS.md), to
  // measure the gateway without tsx's on-the-fly compilation (esbuild keepNames: __name per closure).
  const script = process.env.BENCH_GATEWAY_SCRIPT ?? path.join(REPO_ROOT, 'bench/gatewayProcess.ts');
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = fork(script, [], {
    cwd: REPO_ROOT,
    execArgv: [...loader, '--expose-gc', ...extraExecArgv],
    env: { ...process.env, BENCH_GATEWAY: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  track(child);
  const tail: string[] = [];
  keepTail(child, tail);
  let nextId = 1;
  const waiting = new Map<
    number,
    { resolve: (value: Record<string, unknown>) => void; reject: (error: Error) => void }
  >();
  const ready = new Promise<GatewayReady>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gateway (${config.variant}) did not start within 60 s:\n${tail.join('\n')}`)),
      60_000,
    );
    child.on('message', (raw) => {
      const message = raw as { type?: string; id?: number; ok?: boolean; error?: string };
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message as GatewayReady);
        return;
      }
      const pending = message.id === undefined ? undefined : waiting.get(message.id);
      if (!pending) return;
      waiting.delete(message.id!);
      if (message.ok) pending.resolve(message);
      else pending.reject(new Error(message.error ?? 'gateway request failed'));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const error = new Error(`gateway (${config.variant}) exited (${code ?? signal}):\n${tail.join('\n')}`);
      for (const pending of waiting.values()) pending.reject(error);
      waiting.clear();
      reject(error);
    });
  });
  const stop = async (): Promise<void> => {
    unregister();
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    try {
      child.send({ id: 0, type: 'shutdown' });
    } catch {
      child.kill('SIGKILL');
    }
    await exited;
    clearTimeout(timer);
  };
  const unregister = register(`gateway-${config.variant}`, stop);
  const { mcpUrl, baseUrl } = await ready;
  return {
    mcpUrl,
    baseUrl,
    pid: child.pid!,
    request: <T>(type: string, extra: Record<string, unknown> = {}, timeoutMs = 60_000) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`gateway did not answer ${type} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send({ id, type, ...extra });
      }),
    stop,
  };
}

/** A temp dir removed at clean-up. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  register(`rm ${dir}`, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface FerretChild {
  uri: string;
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
    uri: ferret.uri,
    pid: ferret.pid!,
    stop: async () => {
      unregister();
      await stop();
    },
  };
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  clockTicks ??= (() => {
    try {
      return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      return 100;
    }
  })();
  return clockTicks;
}

/** Non-idle CPU of the whole machine since boot (all cores), in microseconds. */
export async function machineBusyMicros(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const ticks = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  return (ticks / ticksPerSecond()) * 1e6;
}

/** User+system CPU of any process from /proc, in microseconds (resolution: one clock tick). */
export async function procCpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks / ticksPerSecond()) * 1e6;
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
