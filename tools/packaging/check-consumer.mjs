#!/usr/bin/env node
// The packaging check (run by test.sh): what a user gets from npm, checked from outside the workspace.
//
//  1. package.json metadata in sync (sync-metadata.mjs --check)
//  2. every published package packed as it would be released (pack.mjs), and publint on each tarball
//  3. a fresh project in a temp folder installs the tarballs with plain npm next to a different tfjs
//     (@tensorflow/tfjs-core 4.21.0): no warning of any kind, one copy of @cnn/core and of tfjs-core
//  4. every package imports in Node without printing anything; a second copy of @cnn/core is refused;
//     a missing tfjs engine names its package
//  5. the examples (examples/*.mjs) run there on cpu, tfjs-cpu and tfjs-wasm
//  6. tsc --strict --exactOptionalPropertyTypes --noUncheckedIndexedAccess --noEmit on a consumer using the
//     public API (NodeNext), on every package's declarations (skipLibCheck off), on browser code without
//     Node's types, and with moduleResolution node10; the published declarations hold no `@internal`
//     member and no `any`
//  7. esbuild bundles examples/browser and a smoke page for the browser; headless Chromium runs them
//     (cpu and tfjs-wasm with wasmPaths)
//
//   node tools/packaging/check-consumer.mjs [--no-build] [--keep]
//
// --no-build: the packages are already built (test.sh runs it after turbo build). --keep: leave the temp
// folder. Closes with `packaging: N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packAll, root } from './pack.mjs';
import { PUBLIC_PACKAGES } from './packages.mjs';

const args = process.argv.slice(2);
const TFJS = '4.21.0'; // deliberately not the workspace's 4.22.0
const TOOLS = ['typescript@5.9.3', '@types/node@20', 'esbuild@0.28.2'];
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const started = Date.now();
let passed = 0;
let failed = 0;

function say(line) {
  console.log(line);
}

/** Runs a command, echoing it like a transcript; returns { status, output }. */
function sh(cmd, argv, options = {}) {
  say(`$ ${[cmd, ...argv].map((a) => (/[\s'"]/.test(a) ? `'${a}'` : a)).join(' ')}`);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd();
  if (output && !options.quiet) say(output.replace(/^/gm, '  '));
  return { status: r.status ?? 1, output };
}

async function step(title, fn) {
  say(`\n== ${title}`);
  try {
    const note = await fn();
    passed++;
    say(`ok: ${title}${note ? ` (${note})` : ''}`);
  } catch (error) {
    failed++;
    say(`FAILED: ${title}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

const work = mkdtempSync(join(tmpdir(), 'cnn-consumer-'));
const tarballs = join(work, 'tarballs');
const app = join(work, 'app');
mkdirSync(app, { recursive: true });
let packed = [];

await step('package metadata in sync', () => {
  const r = sh(process.execPath, [join(root, 'tools/packaging/sync-metadata.mjs'), '--check']);
  expect(r.status === 0, 'run node tools/packaging/sync-metadata.mjs');
});

await step('pack every published package', () => {
  packed = packAll({ outDir: tarballs, doBuild: !args.includes('--no-build') });
  for (const p of packed) {
    say(`  ${p.name}@${p.version}  ${(p.size / 1024).toFixed(0)} kB  ${p.files.length} files`);
    expect(p.files.includes('LICENSE'), `${p.name}: no LICENSE in the tarball`);
    expect(p.files.includes('README.md'), `${p.name}: no README.md in the tarball`);
    const maps = p.files.filter((f) => f.endsWith('.js.map'));
    expect(
      maps.length === 0 || p.files.some((f) => f.startsWith('src/')),
      `${p.name}: source maps without src`,
    );
    expect(!p.files.some((f) => f.startsWith('test/')), `${p.name}: tests in the tarball`);
  }
  expect(packed.length === PUBLIC_PACKAGES.length, 'not every package was packed');
  return packed.map((p) => `${p.name}@${p.version}`).join(', ');
});

await step('publint on every tarball (strict, suggestions included)', async () => {
  const { publint } = await import('publint');
  const { formatMessage } = await import('publint/utils');
  const problems = [];
  for (const p of packed) {
    const bytes = readFileSync(p.tarball);
    const tarball = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const { messages, pkg } = await publint({ pack: { tarball }, level: 'suggestion', strict: true });
    say(`  ${p.name}: ${messages.length ? messages.length : 'clean'}`);
    for (const m of messages)
      problems.push(`${p.name}: ${m.type}: ${formatMessage(m, pkg, { color: false })}`);
  }
  expect(problems.length === 0, problems.join('; '));
});

await step(`fresh project: npm install the tarballs next to @tensorflow/tfjs-core@${TFJS}`, () => {
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'cnn-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  // --omit=optional: gpu.js's optional `gl` (headless-gl, @cnn/backend-gpujs's WebGL in Node) has no
  // prebuilt binary reachable here and compiles from source for many minutes; this check is about packaging.
  // Without it the package imports, and gpujs() says what to install (checked below); bootstrap.sh and the
  // gpujs conformance run cover the real build.
  const r = sh(
    'npm',
    [
      'install',
      '--omit=optional',
      '--no-audit',
      '--no-fund',
      '--loglevel=warn',
      ...packed.map((p) => p.tarball),
      `@tensorflow/tfjs-core@${TFJS}`,
      `@tensorflow/tfjs-backend-cpu@${TFJS}`,
      `@tensorflow/tfjs-backend-wasm@${TFJS}`,
    ],
    { cwd: app },
  );
  expect(r.status === 0, 'npm install failed');
  const warnings = r.output.split('\n').filter((l) => /warn|ERESOLVE|deprecated|already registered/i.test(l));
  expect(warnings.length === 0, `npm printed warnings:\n${warnings.join('\n')}`);
  // the check's own tools, as dev dependencies (their install-script notices are not about our packages)
  // --omit=optional again: npm would otherwise now fetch and compile gpu.js's optional gl (see above).
  const tools = sh(
    'npm',
    ['install', '--save-dev', '--omit=optional', '--no-audit', '--no-fund', '--loglevel=warn', ...TOOLS],
    {
      cwd: app,
    },
  );
  expect(tools.status === 0, 'npm install of the tools failed');
  expect(
    !/ERESOLVE|peer|@cnn|@tensorflow/i.test(tools.output),
    'installing the tools disturbed our packages',
  );
  const copies = (name) =>
    new Set(
      sh('npm', ['ls', name, '--all', '--parseable'], { cwd: app, quiet: true })
        .output.split('\n')
        .filter((l) => l.includes('node_modules')),
    ).size;
  for (const name of ['@cnn/core', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu']) {
    const n = copies(name);
    say(`  ${name}: ${n} cop${n === 1 ? 'y' : 'ies'}`);
    expect(n === 1, `${name} installed ${n} times`);
  }
  const ls = sh('npm', ['ls', '@cnn/core', '@tensorflow/tfjs-core'], { cwd: app });
  expect(ls.status === 0, 'npm ls reports problems');
  return 'no warnings';
});

/** Node code run in the consumer project; returns its combined output. */
function node(code, env = {}) {
  return sh(process.execPath, ['--input-type=module', '-e', code], {
    cwd: app,
    env: { ...process.env, ...env },
  });
}

const noise = /already registered|already been set|Hi there|tfjs-node|Platform .* has already/i;

await step('every package imports in Node, silently', () => {
  for (const p of packed) {
    const r = node(`await import('${p.name}');`);
    expect(r.status === 0, `${p.name} does not import`);
    expect(r.output === '', `${p.name} printed on import: ${r.output}`);
  }
  const vitest = node(
    "const m = await import('@cnn/conformance/vitest'); console.log(typeof m.describeBackend);",
  );
  // vitest is an optional peer: without it the subpath says so
  expect(vitest.status === 0 || /vitest/.test(vitest.output), '@cnn/conformance/vitest');
});

await step('a second copy of @cnn/core is refused with both versions and paths', () => {
  cpSync(join(app, 'node_modules/@cnn/core'), join(work, 'second-core'), { recursive: true });
  const r = node(
    `await import('@cnn/core');
     try { await import(${JSON.stringify(pathToFileURL(join(work, 'second-core/dist/index.js')).href)}); console.log('LOADED'); }
     catch (e) { console.log(e.message); }`,
  );
  expect(/two copies are loaded/.test(r.output) && r.output.includes('second-core'), r.output);
});

await step('gpujs without the native gl module says what it needs', () => {
  const r = node(
    "const { gpujs } = await import('@cnn/backend-gpujs'); try { gpujs(); } catch (e) { console.log(e.message); }",
  );
  expect(/needs the native 'gl' module/.test(r.output), r.output);
});

await step('a tfjs engine that is not installed names the package to install', () => {
  const r = node(
    "const { tfjs } = await import('@cnn/backend-tfjs'); try { await tfjs('webgl'); } catch (e) { console.log(e.message); }",
  );
  expect(r.output.includes(`npm install @tensorflow/tfjs-backend-webgl@${TFJS}`), r.output);
});

const examples = join(app, 'examples');
cpSync(join(root, 'examples'), examples, { recursive: true, filter: (src) => !src.includes('node_modules') });
for (const backend of ['cpu', 'tfjs-cpu', 'tfjs-wasm']) {
  await step(`examples/train-save-load.mjs on ${backend}`, () => {
    const r = sh(process.execPath, ['train-save-load.mjs'], {
      cwd: examples,
      env: { ...process.env, CNN_BACKEND: backend },
    });
    expect(r.status === 0, 'the example failed');
    expect(/same predictions/.test(r.output), 'no "same predictions" line');
    expect(!noise.test(r.output), `tfjs printed duplicate-registration noise: ${r.output}`);
  });
}

const tsc = join(app, 'node_modules/typescript/bin/tsc');
const consumerDir = join(app, 'ts');
cpSync(join(root, 'tools/packaging/consumer'), consumerDir, { recursive: true });
const tsconfig = (name, compilerOptions, files) =>
  writeFileSync(
    join(consumerDir, name),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        // What the strictest consumers turn on: an optional property must say `| undefined` to take it.
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        noEmit: true,
        skipLibCheck: false,
        ...compilerOptions,
      },
      files,
    }),
  );
const nodeNext = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'] };
tsconfig('tsconfig.node.json', { ...nodeNext, skipLibCheck: true }, ['consumer.ts']);
tsconfig('tsconfig.declarations.json', nodeNext, ['declarations.ts']);
tsconfig(
  'tsconfig.browser.json',
  { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM'], types: [] },
  ['browser-types.ts'],
);
tsconfig(
  'tsconfig.node10.json',
  { target: 'ES2022', module: 'CommonJS', moduleResolution: 'node10', types: [], skipLibCheck: true },
  ['node10.ts'],
);
for (const [name, what] of [
  ['tsconfig.node.json', 'a strict Node consumer of the public API (NodeNext)'],
  [
    'tsconfig.declarations.json',
    "every package's declarations (skipLibCheck off; backend-tfjs via the consumer)",
  ],
  ['tsconfig.browser.json', 'browser code without @types/node (Bundler resolution, lib DOM)'],
  ['tsconfig.node10.json', 'moduleResolution node10 (typesVersions)'],
]) {
  await step(`tsc --strict --noEmit: ${what}`, () => {
    const r = sh(process.execPath, [tsc, '-p', name], { cwd: consumerDir });
    expect(r.status === 0, 'type errors');
  });
}

await step('published declarations: no @internal member, no `any`', () => {
  const found = [];
  const scan = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) scan(path);
      else if (entry.name.endsWith('.d.ts')) {
        const text = readFileSync(path, 'utf8');
        if (text.includes('@internal')) found.push(`${path}: @internal`);
        // Comments dropped first: prose ("any shape") is not a type.
        const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
        if (/\bany\b/.test(code)) found.push(`${path}: any`);
      }
    }
  };
  for (const p of PUBLIC_PACKAGES) scan(join(app, 'node_modules', p.name, 'dist'));
  expect(found.length === 0, found.map((f) => f.replace(`${app}/`, '')).join('; '));
});

const www = join(app, 'www');
await step('esbuild bundles examples/browser and the smoke page for the browser', () => {
  const esbuild = join(app, 'node_modules/.bin/esbuild');
  const r = sh(
    esbuild,
    [
      'examples/browser/main.mjs',
      'ts/browser-smoke.mjs',
      '--bundle',
      '--format=esm',
      '--splitting',
      '--platform=browser',
      '--target=es2022',
      `--outdir=${www}`,
      '--entry-names=[name]',
      // engines this app does not install: kept out of the bundle (choosing one then names the package)
      '--external:@tensorflow/tfjs-backend-webgl',
      '--external:@tensorflow/tfjs-backend-webgpu',
      '--log-level=warning',
    ],
    { cwd: app },
  );
  expect(r.status === 0, 'esbuild failed');
  expect(r.output === '', `esbuild warned: ${r.output}`);
  cpSync(join(examples, 'browser/index.html'), join(www, 'index.html'));
  writeFileSync(
    join(www, 'smoke.html'),
    '<!doctype html><script type="module" src="./browser-smoke.js"></script>',
  );
  // the wasm engine's binaries, served next to the page (tfjs('wasm', { wasmPaths: <page folder> }))
  const wasmDist = join(app, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm')))
    cpSync(join(wasmDist, f), join(www, f));
  const files = readdirSync(www);
  return `${files.length} files`;
});

/** playwright-core from the workspace (a dependency of playwright, a dev dependency of backend-tfjs). */
async function loadPlaywright() {
  const fromTfjs = createRequire(join(root, 'packages/backend-tfjs/package.json'));
  const playwright = createRequire(fromTfjs.resolve('playwright/package.json'));
  const module = await import(pathToFileURL(playwright.resolve('playwright-core')).href);
  return module.chromium ? module : module.default;
}

const types = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};
await step('headless Chromium runs the pages (cpu, tfjs-wasm, smoke)', async () => {
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (pathname === '/favicon.ico') return void res.writeHead(204).end();
    const path = join(www, pathname);
    try {
      const body = readFileSync(path);
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const { chromium } = await loadPlaywright();
  const profile = mkdtempSync(join(tmpdir(), 'cnn-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
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
    ],
  });
  const results = [];
  try {
    for (const page of ['index.html?backend=cpu', 'index.html?backend=tfjs-wasm', 'smoke.html']) {
      const tab = await context.newPage();
      const lines = [];
      tab.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
      tab.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
      tab.on('response', (r) => r.status() >= 400 && lines.push(`error: HTTP ${r.status()} ${r.url()}`));
      await tab.goto(`${base}/${page}`);
      const deadline = Date.now() + 90_000;
      while (!lines.some((l) => /RESULT|ERROR|pageerror/.test(l)) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      await tab.close();
      say(`  ${page}:\n${lines.map((l) => `    ${l}`).join('\n')}`);
      const result = lines.find((l) => l.includes('RESULT '));
      expect(result, `${page}: no result`);
      const bad = lines.filter((l) => /^(error|warning|pageerror)/.test(l) || noise.test(l));
      expect(bad.length === 0, `${page}: ${bad.join('; ')}`);
      const json = JSON.parse(result.slice(result.indexOf('RESULT ') + 7));
      results.push(json);
      if (page.startsWith('index')) expect(json.same && json.accuracy >= 0.9, `${page}: ${result}`);
      else {
        expect(/runs in Node only/.test(json.loadMnist), `smoke: loadMnist: ${json.loadMnist}`);
        expect(/needs Node/.test(json.loadFixtures), `smoke: loadFixtures: ${json.loadFixtures}`);
      }
    }
  } finally {
    await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return results.map((r) => r.backend ?? 'smoke').join(', ');
});

if (args.includes('--keep')) say(`\nkept: ${work}`);
else rmSync(work, { recursive: true, force: true });
say(`\npackaging check took ${Math.round((Date.now() - started) / 1000)} s`);
say(`packaging: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
