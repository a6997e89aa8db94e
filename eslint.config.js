// Lint rules that guard the design: promises are never dropped, and workflow code
// (replayed deterministically inside Temporal's sandbox) never imports Node built-ins.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const WORKFLOW_BUILTIN_MESSAGE =
  'Workflows are replayed deterministically in a sandbox: no Node built-ins. Do I/O in activities/.';
const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'dist/**', 'tools/**', 'coverage/**', '.scratch/**', '.bench/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: WORKFLOW_BUILTIN_MESSAGE })),
          patterns: [
            {
              group: ['../activities/*', '../gateway/*', '../integrations/*', '../audit/*', 'mongodb', 'pino'],
              allowTypeImports: true,
              message:
                'Workflows run in a deterministic sandbox: import only types from activities; do I/O in activities.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bin/*.js', '*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
