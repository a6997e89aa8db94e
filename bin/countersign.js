#!/usr/bin/env node
// Entry point for the `countersign` CLI. TypeScript sources run through tsx's loader,
// so the same code path serves `npx countersign` and `npm run dev` without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
