import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    // a test process may not touch files outside the repository (see the file)
    setupFiles: ['test/support/fs-guard.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ['test/after/**'], sequence: { groupOrder: 0 } } },
      // runs after every other test: checks what the whole run wrote to its logs
      { extends: true, test: { name: 'after', include: ['test/after/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
