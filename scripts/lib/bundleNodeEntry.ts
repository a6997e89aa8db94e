// One Node entry point bundled the way production runs it: ESM for Node 20, npm packages left
// external (they are installed next to it), a source map for stack traces. Used by `npm run build`
// (the CLI) and by the benchmarks (the gateway under test), so both measure the same kind of code.
import { build } from 'esbuild';

export async function bundleNodeEntry(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}
