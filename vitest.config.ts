import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file builds its own database (SQLite file or PostgreSQL schema), so files run in parallel.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
