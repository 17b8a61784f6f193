// Lint rules, run by `npm test` (npm run lint). Besides typescript-eslint's recommended set, the rules here keep
// the architecture of docs/architecture.md: only the composition root imports workers/, and the pure rooms
// (protocol and policy) touch no network, Redis, file system or process environment.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const IO_MODULES = ['ioredis', 'bullmq', 'got', 'fastify', 'pino', 'node:fs', 'node:net', 'node:http', 'node:https', 'node:child_process'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'reports/**', '.data/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-undef': 'off', // TypeScript checks this
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/engine.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/workers/**'], message: 'only the composition root (src/engine.ts) imports workers/' }] },
      ],
    },
  },
  {
    files: ['src/**/*.ts', 'workers/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }] },
  },
  {
    files: ['src/lianlian/**/*.ts', 'src/reconcile/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: IO_MODULES.map((name) => ({ name, message: 'the protocol and policy rooms are pure: do I/O in a flow, pass results in' })),
          patterns: [
            {
              group: ['**/workers/**', '**/store/**', '**/http/**', '**/queues/**'],
              message: 'pure rooms import only the protocol and policy',
            },
          ],
        },
      ],
    },
  },
);
