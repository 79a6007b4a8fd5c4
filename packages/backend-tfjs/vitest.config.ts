import { configDefaults, defineConfig } from 'vitest/config';

// Node: the tfjs-cpu and tfjs-wasm suites. The webgl suite runs in Chromium (vitest.browser.config.ts).
export default defineConfig({
  test: { testTimeout: 60_000, exclude: [...configDefaults.exclude, 'test/browser/**'] },
});
