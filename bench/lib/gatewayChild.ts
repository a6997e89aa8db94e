// The gateway under benchmark as a forked child (bench/gatewayProcess.ts, or a pre-built bundle of
// it), with an IPC request/reply channel for CPU, heap, profiles and shutdown.
import { fork } from 'node:child_process';
import path from 'node:path';
import type { GatewayProcessConfig, GatewayReady } from '../gatewayProcess.ts';
import { bundleNodeEntry } from '../../scripts/lib/bundleNodeEntry.ts';
import { REPO_ROOT, keepTail, register, track } from './children.ts';

const GATEWAY_SOURCE = path.join(REPO_ROOT, 'bench/gatewayProcess.ts');
let bundled: Promise<string> | undefined;

/**
 * The gateway runs pre-built, as production runs it (`npm run build`): under tsx every closure
 * created per call also pays esbuild's keepNames `__name()`, 10–13% of the gateway's CPU.
 * BENCH_GATEWAY_SCRIPT=<file> runs another script (`tsx` runs the source under tsx).
 */
function gatewayScript(): Promise<string> {
  const chosen = process.env.BENCH_GATEWAY_SCRIPT;
  if (chosen === 'tsx') return Promise.resolve(GATEWAY_SOURCE);
  if (chosen) return Promise.resolve(path.resolve(chosen));
  // In .bench/, one level below the root like bench/, so the bundle's import.meta.url paths hold.
  const outfile = path.join(REPO_ROOT, '.bench/gateway.mjs');
  bundled ??= bundleNodeEntry(GATEWAY_SOURCE, outfile).then(() => outfile);
  return bundled;
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
  const script = await gatewayScript();
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  // BENCH_GATEWAY_NODE_FLAGS: Node flags for the gateway only (e.g. GC settings), space-separated.
  const nodeFlags = (process.env.BENCH_GATEWAY_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = fork(script, [], {
    cwd: REPO_ROOT,
    execArgv: [...loader, '--expose-gc', ...nodeFlags, ...extraExecArgv],
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
