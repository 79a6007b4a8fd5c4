import { configDefaults, defineConfig } from 'vitest/config';

// Node: the format, File uploads and URL loading (Node 20 has File, Blob, fetch and Web Crypto). IndexedDB
// and downloads run in headless Chromium: vitest.browser.config.ts.
export default defineConfig({
  test: { testTimeout: 60_000, exclude: [...configDefaults.exclude, 'test/browser/**'] },
});
