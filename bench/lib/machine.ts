// What the figures were measured on.
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  totalMemoryGiB: number;
  node: string;
  kernel: string;
  /**
   * How fast this machine is today, for comparing runs on different days (the same VM type has
   * been 2–3× slower on some days): median µs of JSON.parse(JSON.stringify(x)) of a small
   * tools/call request (4.15 µs on 2026-12-02; BENCHMARKS.md keeps the history).
   */
  jsonRoundTripUs: number;
}

const REFERENCE_OBJECT = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { a: 1 } } };

/** Sampled again between the bench's phases: the VM's speed has changed within one run. */
export function jsonRoundTripUs(): number {
  const rounds: number[] = [];
  for (let round = 0; round < 21; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < 2000; i++) JSON.parse(JSON.stringify(REFERENCE_OBJECT));
    rounds.push(Number(process.hrtime.bigint() - started) / 2000 / 1000);
  }
  rounds.sort((a, b) => a - b);
  return Math.round(rounds[10]! * 100) / 100;
}

export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((candidate) => candidate.startsWith('model name'));
    if (line) cpuModel = line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    cpuModel,
    cores: os.availableParallelism(),
    totalMemoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    jsonRoundTripUs: jsonRoundTripUs(),
  };
}
