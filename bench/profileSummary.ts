// Summarises a V8 .cpuprofile (from the bench's profiled runs, or `node --cpu-prof`): self time by
// package / module, the top functions by self time, and synchronous inclusive time of chosen
// functions, each also as microseconds per call when the number of calls is known.
//
//   npx tsx bench/profileSummary.ts <file.cpuprofile> [calls]
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  name: string;
  selfMs: number;
  /** Share of non-idle time. */
  share: number;
  /** Microseconds of CPU per call (when calls were given). */
  usPerCall: number | null;
}

export interface ProfileSummary {
  wallMs: number;
  idleMs: number;
  busyMs: number;
  calls: number | null;
  busyUsPerCall: number | null;
  byPackage: Row[];
  byModule: Row[];
  topFunctions: Row[];
  inclusive: Row[];
}

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const SPECIAL = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);

function repoRelative(url: string): string {
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  return file.startsWith(REPO_ROOT) ? file.slice(REPO_ROOT.length) : file;
}

function packageOf(url: string): string | null {
  const index = url.lastIndexOf('node_modules/');
  if (index < 0) return null;
  const parts = url.slice(index + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? null);
}

/** Coarse owner of a frame: an npm package, a group of Node internals, Countersign's code, or V8. */
export function packageCategory(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return SPECIAL.has(functionName) ? functionName : '(V8 builtins: JSON, RegExp, Map, …)';
  const pkg = packageOf(url);
  if (pkg) return pkg;
  if (url.startsWith('node:')) {
    const module = url.slice(5);
    if (module.includes('deps/undici')) return 'node: undici (fetch client + Request/Response/Headers)';
    if (module.startsWith('internal/webstreams') || module.includes('web/')) return 'node: web streams / encoding';
    if (/^(_http|http|internal\/http)/.test(module)) return 'node: http server/client';
    if (/^(net|internal\/net|internal\/stream_base_commons|internal\/dns)/.test(module)) return 'node: net/sockets';
    if (/^(internal\/streams|stream)/.test(module)) return 'node: streams';
    if (/^(internal\/abort_controller|internal\/event_target|internal\/worker\/js_transferable)/.test(module))
      return 'node: AbortController/EventTarget';
    if (/^(internal\/process\/task_queues|internal\/timers|timers|internal\/async_hooks|events)/.test(module))
      return 'node: events, timers, microtasks';
    if (/^(internal\/crypto|crypto)/.test(module)) return 'node: crypto';
    if (/^(internal\/url|url)/.test(module)) return 'node: url';
    return 'node: other';
  }
  const relative = repoRelative(url);
  if (!relative.startsWith('/')) return `countersign: ${relative.split('/').slice(0, 2).join('/')}`;
  return `other: ${url}`;
}

function moduleCategory(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return SPECIAL.has(functionName) ? functionName : '(V8 builtins)';
  const pkg = packageOf(url);
  if (pkg) return `${pkg}/${url.slice(url.lastIndexOf('/') + 1)}`;
  if (url.startsWith('node:')) return url;
  return repoRelative(url);
}

function functionKey(frame: CallFrame): string {
  const where = frame.url ? `${moduleCategory(frame)}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'} ${where}`.trim();
}

const SOCKET_WRITES = new Set([
  'writev',
  'writeBuffer',
  'writeUtf8String',
  'writeLatin1String',
  'writeAsciiString',
  'writeUcs2String',
]);

/**
 * Frames without a script (native bindings and builtins) are charged to the nearest caller that has
 * one, so JSON.parse inside undici counts as undici; socket writes (the write syscalls) get their
 * own line, and the profiler's own work (node:inspector) is left out of the busy time.
 */
function effectiveFrame(
  id: number,
  byId: Map<number, ProfileNode>,
  parent: Map<number, number>,
): { frame: CallFrame; bucket?: string } | null {
  const frame = byId.get(id)?.callFrame;
  if (!frame) return null;
  if (frame.url || SPECIAL.has(frame.functionName)) return { frame };
  if (SOCKET_WRITES.has(frame.functionName)) return { frame, bucket: 'native: socket writes (write syscalls)' };
  for (let cursor = parent.get(id); cursor !== undefined; cursor = parent.get(cursor)) {
    const ancestor = byId.get(cursor)?.callFrame;
    if (ancestor?.url) return { frame: ancestor };
  }
  return { frame, bucket: '(V8 builtins, no JS caller)' };
}

function underInspector(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): boolean {
  for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
    if (byId.get(cursor)?.callFrame.url === 'node:inspector') return true;
  }
  return false;
}

export function summariseProfile(
  profile: CpuProfile,
  calls: number | null,
  inclusiveNames: readonly string[] = [],
): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<number, number>();
  for (let index = 0; index < profile.samples.length; index++) {
    const id = profile.samples[index]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  }
  const wanted = new Set(inclusiveNames);
  const packages = new Map<string, number>();
  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let idleUs = 0;
  let totalUs = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    if (node.callFrame.functionName === '(idle)' || underInspector(id, byId, parent)) {
      idleUs += us;
      continue;
    }
    const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + us);
    const effective = effectiveFrame(id, byId, parent)!;
    add(packages, effective.bucket ?? packageCategory(effective.frame));
    add(modules, effective.bucket ?? moduleCategory(effective.frame));
    add(
      functions,
      functionKey(node.callFrame.url || SPECIAL.has(node.callFrame.functionName) ? node.callFrame : effective.frame),
    );
    if (wanted.size > 0) {
      // Synchronous inclusive time: credit each wanted function once per sample it is on the stack of.
      const seen = new Set<string>();
      for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
        const name = byId.get(cursor)?.callFrame.functionName;
        if (name && wanted.has(name) && !seen.has(name)) {
          seen.add(name);
          add(inclusive, name);
        }
      }
    }
  }
  const busyUs = totalUs - idleUs;
  const rows = (map: Map<string, number>, limit: number): Row[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({
        name,
        selfMs: us / 1000,
        share: busyUs ? us / busyUs : 0,
        usPerCall: calls ? us / calls : null,
      }));
  return {
    wallMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    busyMs: busyUs / 1000,
    calls,
    busyUsPerCall: calls ? busyUs / calls : null,
    byPackage: rows(packages, 25),
    byModule: rows(modules, 30),
    topFunctions: rows(functions, 30),
    inclusive: rows(inclusive, wanted.size),
  };
}

/**
 * `measuredCpuUsPerCall`: the process's CPU per call from process.cpuUsage() over a comparable run.
 * The sampled profile counts wall time on the main thread, which on a saturated machine includes
 * time the thread was runnable but descheduled (it lands on syscall frames); shares are then
 * converted to µs with the measured CPU instead of the sampled time.
 */
export function formatSummary(summary: ProfileSummary, title: string, measuredCpuUsPerCall?: number): string {
  const lines: string[] = [];
  const per = summary.calls
    ? ` over ${summary.calls} calls = ${summary.busyUsPerCall?.toFixed(0)} µs/call sampled`
    : '';
  const scaled =
    measuredCpuUsPerCall === undefined
      ? ''
      : `; measured CPU ${measuredCpuUsPerCall.toFixed(0)} µs/call (µs below = share × measured)`;
  lines.push(`${title}: wall ${summary.wallMs.toFixed(0)} ms, busy ${summary.busyMs.toFixed(0)} ms${per}${scaled}`);
  const table = (heading: string, rows: Row[], label = 'self'): void => {
    lines.push(`  ${heading}`);
    for (const row of rows) {
      const us = measuredCpuUsPerCall === undefined ? row.usPerCall : row.share * measuredCpuUsPerCall;
      const perCall = us === null ? '' : `${us.toFixed(1).padStart(8)} µs/call`;
      lines.push(
        `    ${(row.share * 100).toFixed(1).padStart(5)}% ${label} ${row.selfMs.toFixed(0).padStart(6)} ms ${perCall}  ${row.name}`,
      );
    }
  };
  table('by package / area (self time)', summary.byPackage);
  table('top modules (self time)', summary.byModule.slice(0, 15));
  table('top functions (self time)', summary.topFunctions.slice(0, 20));
  if (summary.inclusive.length > 0) table('synchronous inclusive time of named functions', summary.inclusive, 'incl');
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, calls] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx bench/profileSummary.ts <file.cpuprofile> [calls]');
    process.exit(2);
  }
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  console.log(formatSummary(summariseProfile(profile, calls ? Number(calls) : null), file));
}
