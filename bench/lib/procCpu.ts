// CPU accounting from /proc: the whole machine's busy time and any process's own, so the bench can
// give CPU per call of processes it does not run in-process (upstream, FerretDB) and see other load.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

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
