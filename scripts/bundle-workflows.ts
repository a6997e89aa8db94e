// Pre-bundles workflows/ for production workers: `npm run build:workflows [-- <output path>]`.
// Default output: .data/build/workflow-bundle.js. The worker loads it with workflowBundle: { codePath }.
import { DEFAULT_WORKFLOW_BUNDLE_PATH, writeWorkflowBundle } from '../integrations/temporal/bundle.ts';

const started = performance.now();
const { codePath, bytes } = await writeWorkflowBundle(process.argv[2] ?? DEFAULT_WORKFLOW_BUNDLE_PATH);
console.log(
  `workflow bundle written: ${codePath} (${Math.round(bytes / 1024)} KiB, ${Math.round(performance.now() - started)} ms)`,
);
