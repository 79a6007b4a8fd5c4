import { defineConfig } from 'vitest/config';

// The large-batch convolution checks take seconds on a loaded 2-core machine (turbo runs suites side by side).
export default defineConfig({ test: { testTimeout: 60_000 } });
