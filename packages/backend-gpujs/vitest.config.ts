import { configDefaults, defineConfig } from 'vitest/config';

// Node: headless-gl (run under an X server: scripts/xvfb.sh). The WebGL2 run is vitest.browser.config.ts.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    exclude: [...configDefaults.exclude, 'test/browser/**'],
  },
});
