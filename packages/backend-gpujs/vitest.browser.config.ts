import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

const nodeBuiltins = fileURLToPath(new URL('./test/browser/node-builtins.ts', import.meta.url));

// The conformance suite on gpu.js's webgl2 mode in headless Chromium (Debian's /usr/bin/chromium, WebGL2
// through SwiftShader). `pnpm test:browser`. The same approach as backend-tfjs's browser run.
export default defineConfig({
  plugins: [
    {
      // @cnn/conformance imports node:fs/path/url/module (its fixture loader and module resolver): give the
      // browser string-only stand-ins. Only for code bound for the browser: the global setup runs in Node.
      name: 'browser-node-builtins',
      enforce: 'pre',
      resolveId(id) {
        if (this.environment.config.consumer === 'client' && /^node:(fs|path|url|module)$/.test(id))
          return nodeBuiltins;
      },
    },
  ],
  test: {
    // The conformance suite, plus the IEEE edge checks (NaN tests must survive SwiftShader's compiler too).
    include: ['test/browser/**/*.test.ts', 'test/ieee.test.ts'],
    // Fixtures are read from disk in Node and handed to the browser (inject('conformanceFixtures')).
    globalSetup: ['test/browser/global-setup.ts'],
    testTimeout: 120_000,
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
            '--enable-unsafe-swiftshader',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
