// Workflow code is bundled (webpack, by @temporalio/worker) before a worker can run it. Production
// pre-bundles once (`npm run build:workflows`) so workers start fast and run exactly the code that was
// built; without a bundle the worker bundles in memory at start-up.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type Logger as TemporalLogger, type WorkflowBundle } from '@temporalio/worker';

/**
 * The package root, found by walking up to Countersign's package.json: this module runs from
 * integrations/temporal/ under tsx and from dist/ in the production bundle.
 */
function packageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (manifest.name === 'countersign') return dir;
    } catch {
      // no package.json here
    }
    if (dirname(dir) === dir) throw new Error(`no countersign package.json above ${start}`);
  }
}

const ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));

/** The bundler's entry: every function exported here is a workflow type. */
export const WORKFLOWS_PATH = resolve(ROOT, 'workflows/index.ts');

/** Where `npm run build:workflows` writes the bundle by default. */
export const DEFAULT_WORKFLOW_BUNDLE_PATH = resolve(ROOT, '.data/build/workflow-bundle.js');

/** Bundles workflows/ in memory. Pass a logger to see webpack's output (it is silent otherwise). */
export async function bundleWorkflows(options: { logger?: TemporalLogger } = {}): Promise<WorkflowBundle> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: options.logger ?? silentLogger });
  return { code };
}

/** Bundles workflows/ and writes the bundle to outputPath; returns its absolute path and size. */
export async function writeWorkflowBundle(
  outputPath: string = DEFAULT_WORKFLOW_BUNDLE_PATH,
  options: { logger?: TemporalLogger } = {},
): Promise<{ codePath: string; bytes: number }> {
  const { code } = await bundleWorkflows(options);
  const codePath = resolve(outputPath);
  await mkdir(dirname(codePath), { recursive: true });
  await writeFile(codePath, code);
  return { codePath, bytes: Buffer.byteLength(code) };
}

const noop = () => undefined;
const silentLogger: TemporalLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
