// Compares two V8 heap snapshots by constructor: what grew in count and retained self size between
// them. For the long run (`BENCH_LONG_SNAPSHOTS=1 npm run bench -- --long-only`):
//
//   npx tsx bench/heapDiff.ts .bench/long-start.heapsnapshot .bench/long-end.heapsnapshot [top]
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface ByConstructor {
  name: string;
  count: number;
  selfBytes: number;
}

export async function summariseSnapshot(file: string): Promise<Map<string, ByConstructor>> {
  const data = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
  const fields = data.snapshot.meta.node_fields;
  const width = fields.length;
  const typeIndex = fields.indexOf('type');
  const nameIndex = fields.indexOf('name');
  const sizeIndex = fields.indexOf('self_size');
  const types = data.snapshot.meta.node_types[0];
  const result = new Map<string, ByConstructor>();
  for (let offset = 0; offset < data.nodes.length; offset += width) {
    const type = types[data.nodes[offset + typeIndex]!] ?? 'unknown';
    const rawName = data.strings[data.nodes[offset + nameIndex]!] ?? '';
    // Objects by constructor; strings, closures, arrays, code… by their node type.
    const name = type === 'object' ? rawName : `(${type})`;
    const entry = result.get(name) ?? { name, count: 0, selfBytes: 0 };
    entry.count += 1;
    entry.selfBytes += data.nodes[offset + sizeIndex]!;
    result.set(name, entry);
  }
  return result;
}

export async function diffSnapshots(before: string, after: string, top = 25): Promise<string> {
  const [a, b] = await Promise.all([summariseSnapshot(before), summariseSnapshot(after)]);
  const rows = [...b.values()]
    .map((entry) => {
      const old = a.get(entry.name);
      return {
        name: entry.name,
        count: entry.count - (old?.count ?? 0),
        bytes: entry.selfBytes - (old?.selfBytes ?? 0),
      };
    })
    .sort((x, y) => y.bytes - x.bytes)
    .slice(0, top);
  const total = (map: Map<string, ByConstructor>) => [...map.values()].reduce((sum, entry) => sum + entry.selfBytes, 0);
  const lines = [
    `heap self size ${(total(a) / 1e6).toFixed(2)} → ${(total(b) / 1e6).toFixed(2)} MB; largest growth by constructor:`,
  ];
  for (const row of rows) {
    lines.push(
      `  ${(row.bytes / 1e3).toFixed(1).padStart(10)} kB ${String(row.count).padStart(9)} objects  ${row.name}`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [before, after, top] = process.argv.slice(2);
  if (!before || !after) {
    console.error('usage: tsx bench/heapDiff.ts <before.heapsnapshot> <after.heapsnapshot> [top]');
    process.exit(2);
  }
  console.log(await diffSnapshots(before, after, top ? Number(top) : 25));
}
