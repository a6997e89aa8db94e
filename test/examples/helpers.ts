// Small helpers for the example-upstream tests: waiting on conditions, collecting child output, reaping children.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Stream } from 'node:stream';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const TSX_LOADER = import.meta.resolve('tsx');
export const DEPLOYMENTS_ENTRY = fileURLToPath(
  new URL('../../examples/upstreams/deployments/server.ts', import.meta.url),
);

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Re-runs `attempt` until it yields a value; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Accumulates everything a stream emits as text (the stdio transport's piped stderr). */
export function collectText(stream: Stream | null): { text: () => string } {
  let text = '';
  stream?.on('data', (chunk: Buffer | string) => {
    text += chunk.toString();
  });
  return { text: () => text };
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface SpawnedDeployments {
  child: ChildProcess;
  url: string;
  stdoutLines: string[];
  stop(): Promise<number | null>;
}

/** Runs the deployments CLI the way a parent would: PORT=0, then parse the one "listening" line from stdout. */
export async function spawnDeploymentsCli(): Promise<SpawnedDeployments> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, DEPLOYMENTS_ENTRY], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stdoutLines: string[] = [];
  const stderr = collectText(child.stderr);
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${stderr.text()}`)), 15_000);
    lines.on('line', (line) => {
      stdoutLines.push(line);
      const event = JSON.parse(line) as { event?: string; url?: string };
      if (event.event === 'listening' && event.url) {
        clearTimeout(timer);
        resolve(event.url);
      }
    });
    void exited.then((code) => reject(new Error(`exited with ${code}; stderr: ${stderr.text()}`)));
  });
  return {
    child,
    url,
    stdoutLines,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
