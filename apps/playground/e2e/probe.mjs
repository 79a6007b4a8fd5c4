import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';

const { server, url } = await serve(new URL('../dist', import.meta.url).pathname);
const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'pg-')), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--enable-unsafe-swiftshader',
    '--enable-unsafe-webgpu',
  ],
});
const page = ctx.pages()[0] ?? (await ctx.newPage());
page.on('console', (m) => console.log('console:', m.type(), m.text().slice(0, 300)));
page.on('pageerror', (e) => console.log('pageerror:', e.message));
await page.goto(url);
await page
  .waitForSelector('#status[data-ready=true]', { timeout: 90000 })
  .catch((e) => console.log('timeout', e.message));
console.log(await page.textContent('#status'));
console.log(JSON.stringify(await page.evaluate(() => window.playground.backends()), null, 1));
await page.screenshot({ path: '/tmp/pg1.png', fullPage: true });
await ctx.close();
server.close();
