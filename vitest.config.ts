import { defineConfig } from 'vitest/config';

// Everything else is vitest's default (test discovery, forks pool, timeouts set per test).
export default defineConfig({
  test: {
    globalSetup: ['test/setup/temp-root.ts'],
  },
});
