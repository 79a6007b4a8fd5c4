import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

// IndexedDB, downloads and fetch in headless Chromium (Debian's /usr/bin/chromium), `pnpm test:browser`;
// the same launch as backend-gpujs's browser run. The global setup (in Node) saves a model with
// @cnn/node and serves its folder over HTTP for the URL test.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/browser/global-setup.ts'],
    testTimeout: 60_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
