// `npm run build`: bundles the CLI (gateway, worker, operator commands) into dist/countersign.mjs,
// with the npm packages left external. Production runs this bundle (see the Dockerfile): under
// tsx, every closure created per call also pays esbuild's keepNames `__name()` call, and a
// pre-built gateway used 10–13% less CPU per call in the benchmarks (BENCHMARKS.md).
// Usage: node --import tsx scripts/build-gateway.ts [outfile]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleNodeEntry } from './lib/bundleNodeEntry.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const outfile = path.resolve(process.argv[2] ?? path.join(root, 'dist/countersign.mjs'));
await bundleNodeEntry(path.join(root, 'cli/main.ts'), outfile);
process.stdout.write(`built ${path.relative(process.cwd(), outfile) || outfile}\n`);
