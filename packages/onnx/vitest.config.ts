import { defineConfig } from 'vitest/config';

// Generous per-test limit: on a loaded 2-core machine turbo runs the suites side by side.
export default defineConfig({ test: { testTimeout: 60_000 } });
