// Supervision of the embedded servers' child processes: spawn without a shell, keep the tail of
// their output for error messages, stop them with SIGTERM then SIGKILL, and never leave them running
// after the parent is gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';

export type EmbeddedLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all (ENOENT, EACCES, …). */
  error?: Error;
}

export interface ManagedChild {
  readonly name: string;
  readonly pid: number | undefined;
  /** Resolves when the process has exited (or failed to spawn); never rejects. */
  readonly exited: Promise<ChildExit>;
  /** The exit, once it happened. */
  exitInfo(): ChildExit | undefined;
  /** The last lines the process wrote to stdout and stderr, for error messages. */
  outputTail(): string;
  /** SIGTERM, then SIGKILL after timeoutMs (default 10 s). Idempotent. */
  stop(options?: { timeoutMs?: number }): Promise<ChildExit>;
  /** Sends a signal (default SIGKILL, to simulate a crash) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<ChildExit>;
}

export interface SpawnManagedOptions {
  /** Short name for logs and errors, e.g. "temporal". */
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logger?: EmbeddedLogger;
  /** How many output lines to keep (default 60). */
  tailLines?: number;
}

const live = new Set<ChildProcess>();

export function spawnManaged(options: SpawnManagedOptions): ManagedChild {
  installParentExitHooks();
  const { name, logger } = options;
  const tailLines = options.tailLines ?? 60;
  const tail: string[] = [];
  // detached:false keeps the child in our process group, so a Ctrl-C in a terminal reaches it too.
  const child = spawn(options.command, [...options.args], {
    shell: false,
    detached: false,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  live.add(child);
  const watchdog = child.pid === undefined ? undefined : startWatchdog(child.pid);

  let exit: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    const finish = (info: ChildExit) => {
      if (exit) return;
      exit = info;
      live.delete(child);
      watchdog?.kill('SIGKILL');
      resolve(info);
    };
    child.once('exit', (code, signal) => finish({ code, signal }));
    child.once('error', (error) => finish({ code: null, signal: null, error }));
  });

  for (const [stream, source] of [
    ['stdout', child.stdout],
    ['stderr', child.stderr],
  ] as const) {
    // Both streams must be drained or a chatty child blocks on a full pipe.
    createInterface({ input: source, crlfDelay: Infinity }).on('line', (line) => {
      tail.push(line);
      if (tail.length > tailLines) tail.shift();
      logger?.debug({ child: name, stream }, line);
    });
  }

  let stopping: Promise<ChildExit> | undefined;
  const stop = ({ timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<ChildExit> => {
    stopping ??= (async () => {
      if (exit) return exit;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const first = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (first === 'timeout') {
        logger?.warn({ child: name, pid: child.pid, timeoutMs }, 'child did not exit after SIGTERM; sending SIGKILL');
        child.kill('SIGKILL');
      }
      return exited;
    })();
    return stopping;
  };

  return {
    name,
    pid: child.pid,
    exited,
    exitInfo: () => exit,
    outputTail: () => tail.join('\n'),
    stop,
    kill: (signal = 'SIGKILL') => {
      if (!exit) child.kill(signal);
      return exited;
    },
  };
}

/** "exited with code 1" / "was killed by SIGKILL" / "could not start: spawn … ENOENT". */
export function describeExit(exit: ChildExit): string {
  if (exit.error) return `could not start: ${exit.error.message}`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}

/**
 * Node has no PR_SET_PDEATHSIG, so a parent killed with SIGKILL (an OOM kill, a test harness giving
 * up) would leave the servers running with their ports taken. A tiny /bin/sh loop per child polls
 * both pids once a second; when the parent is gone and the child is not, it sends SIGTERM, then
 * SIGKILL 5 s later. It ends by itself when the child exits and is killed with it. The pids are
 * positional arguments, never interpolated into the script.
 */
const WATCHDOG_SCRIPT = [
  'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done',
  'kill -0 "$2" 2>/dev/null || exit 0',
  'kill -TERM "$2"',
  'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.5; kill -0 "$2" 2>/dev/null || exit 0; done',
  'kill -KILL "$2" 2>/dev/null',
].join('\n');

function startWatchdog(childPid: number): ChildProcess | undefined {
  try {
    const watchdog = spawn(
      '/bin/sh',
      ['-c', WATCHDOG_SCRIPT, 'countersign-watchdog', String(process.pid), String(childPid)],
      {
        shell: false,
        stdio: 'ignore',
      },
    );
    watchdog.once('error', () => undefined); // no /bin/sh: the in-process hooks still apply
    watchdog.unref();
    return watchdog;
  } catch {
    return undefined;
  }
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let hooksInstalled = false;

/**
 * Children must not outlive the parent. On a normal exit (including process.exit()) we can only act
 * synchronously, so live children get SIGKILL (SQLite keeps committed data safe). On SIGINT/SIGTERM/
 * SIGHUP, when nobody else handles the signal, children get SIGTERM and up to 5 s to stop before the
 * signal is re-raised so the parent still dies of it. When the application has its own handler it is
 * in charge and is expected to call stop(). A parent killed with SIGKILL runs no handler at all: for
 * that case each child has a watchdog (see startWatchdog).
 */
function installParentExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
  for (const signal of FORWARDED_SIGNALS) {
    const handler = () => {
      if (process.listenerCount(signal) > 1) return;
      const children = [...live];
      for (const child of children) child.kill('SIGTERM');
      const allExited = Promise.all(
        children.map(
          (child) =>
            new Promise((resolve) =>
              child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve),
            ),
        ),
      );
      const deadline = new Promise((resolve) => setTimeout(resolve, 5_000).unref());
      void Promise.race([allExited, deadline]).then(() => {
        for (const child of live) child.kill('SIGKILL');
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      });
    };
    process.on(signal, handler);
  }
}

export class ServerStartError extends Error {
  readonly code = 'EMBEDDED_SERVER_START_FAILED';
  constructor(
    readonly service: string,
    reason: string,
    readonly outputTail: string,
  ) {
    super(`${service} ${reason}.${outputTail ? `\nLast output:\n${outputTail}` : ' It wrote no output.'}`);
    this.name = 'ServerStartError';
  }
}

export interface WaitUntilReadyOptions {
  /** Human name for errors, e.g. "Temporal dev server on 127.0.0.1:7233". */
  service: string;
  timeoutMs: number;
  /** Resolves true once the server answers; must not throw and should bound its own time. */
  probe: () => Promise<boolean>;
  intervalMs?: number;
}

/**
 * Polls probe() until it succeeds. Fails fast with the output tail if the child exits first; on
 * timeout stops the child (so no half-started server is left behind) and fails the same way.
 */
export async function waitUntilReady(child: ManagedChild, options: WaitUntilReadyOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 200;
  for (;;) {
    const exit = child.exitInfo();
    if (exit)
      throw new ServerStartError(options.service, `${describeExit(exit)} before it was ready`, child.outputTail());
    if (await options.probe()) return;
    if (Date.now() >= deadline) {
      await child.stop({ timeoutMs: 2_000 });
      throw new ServerStartError(
        options.service,
        `did not answer within ${Math.round(options.timeoutMs / 1000)} s`,
        child.outputTail(),
      );
    }
    await Promise.race([new Promise((resolve) => setTimeout(resolve, intervalMs)), child.exited]);
  }
}
