#!/usr/bin/env node
// The browser build of @cnn/conformance (its `browser` export condition): dist/index.js and dist/vitest.js
// bundled by rolldown into dist/browser/, with node:fs/path/url/module replaced by
// src/node-shims.browser.ts (reading files then throws a clear error) and every package dependency left as
// an import for the app's bundler. Run from packages/conformance after tsc (its `build` script does).
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'rolldown';

const dir = resolve(process.cwd());
if (!existsSync(join(dir, 'dist', 'vitest.js'))) {
  console.error(`browser-build: run it from packages/conformance after tsc (no dist/vitest.js in ${dir})`);
  process.exit(1);
}
const shims = join(dir, 'src', 'node-shims.browser.ts');
const out = join(dir, 'dist', 'browser');
rmSync(out, { recursive: true, force: true });
const bare = (id) =>
  !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('node:') && !id.includes(':\\');
await build({
  cwd: dir,
  input: { index: 'dist/index.js', vitest: 'dist/vitest.js' },
  platform: 'browser',
  external: (id) => bare(id),
  resolve: { alias: { 'node:fs': shims, 'node:path': shims, 'node:url': shims, 'node:module': shims } },
  // a Node API the shims lack becomes undefined (with a warning) rather than breaking the build
  shimMissingExports: true,
  logLevel: 'warn',
  output: {
    dir: out,
    format: 'esm',
    sourcemap: true,
    entryFileNames: '[name].js',
    chunkFileNames: 'shared-[hash].js',
  },
});
