// End-to-end: the built app (dist/) served with COOP/COEP from 127.0.0.1, driven in Debian's Chromium by
// playwright-core. Loads the page, trains on every available backend (the loss must fall), draws a digit,
// opens every view (non-blank canvases; the formula's numbers against the layers' real shapes), saves and
// reloads the model, switches backend mid-training (the weights must survive), and takes screenshots.
// `node e2e/run.mjs [--docs]`: --docs also copies a few screenshots to docs/playground/.
import { strict as assert } from 'node:assert';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const dist = join(here, '..', 'dist');
const out = join(here, 'out');
const docs = join(here, '..', '..', '..', 'docs', 'playground');
const onnxFixtures = join(here, '..', '..', '..', 'packages', 'onnx', 'test', 'fixtures', 'torch');
const STEPS = Number(process.env.E2E_STEPS ?? 15);
const QUICK = 3;
/** ~1 sample/s on this machine's SwiftShader WebGPU (measured by the app): trained only with E2E_FULL=1. */
const SLOW = ['tfjs-webgpu'];
// E2E_BACKENDS=cpu,gpujs limits the per-backend training to those (for trying one backend).
const only = process.env.E2E_BACKENDS?.split(',');
if (!existsSync(join(dist, 'index.html')) || !existsSync(join(dist, 'generated', 'digits.json'))) {
  console.error('e2e: dist/ is missing or incomplete; build first (pnpm --filter @cnn/playground build)');
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const started = Date.now();
const log = (...a) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)} s]`, ...a);
const { server, url } = await serve(dist);
const profile = mkdtempSync(join(tmpdir(), 'cnn-playground-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  acceptDownloads: true,
  hasTouch: true,
  viewport: { width: 1280, height: 900 },
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
const page = context.pages()[0] ?? (await context.newPage());
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
const pg = (fn, arg) => page.evaluate(fn, arg);
const results = { url, backends: [], speeds: {}, checks: [] };
const check = (name, ok, detail = '') => {
  results.checks.push({ name, ok, detail });
  log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
  assert.ok(ok, `${name} ${detail}`);
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Clicks a backend's radio and waits until the session is on it. */
async function useBackend(name) {
  await page.check(`label[data-backend="${name}"] input`);
  await page.waitForFunction(
    (n) =>
      window.playground.backend() === n &&
      !document.querySelector('#status').textContent.startsWith('Moving'),
    name,
    { timeout: 60_000 },
  );
}
/** Trains until step `to` (the page pauses itself there), waiting up to `seconds`. */
async function trainUntil(to, seconds = 180) {
  await pg((k) => window.playground.trainUntil(k), to);
  await page.waitForFunction((k) => window.playground.step() >= k && !window.playground.running(), to, {
    timeout: seconds * 1000,
    polling: 200,
  });
}
/** Whether every canvas under `selector` shows more than one colour. */
const canvasesDrawn = (selector) =>
  pg((sel) => {
    const canvases = [...document.querySelectorAll(sel)];
    return {
      count: canvases.length,
      blank: canvases
        .filter((c) => {
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          for (let i = 4; i < d.length; i += 4) {
            if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2] || d[i + 3] !== d[3]) return false;
          }
          return true;
        })
        .map((c) => c.id || c.dataset.layer || c.getAttribute('aria-label')),
    };
  }, selector);

try {
  await page.goto(url);
  await page.waitForSelector('#status[data-ready=true]', { timeout: 120_000 });
  check(
    'page loads, digits from its own origin',
    (await page.textContent('#status')).startsWith('Ready: 6000 training and 1000 test digits'),
  );
  check('cross-origin isolated', await pg(() => globalThis.crossOriginIsolated));
  results.backends = await pg(() => window.playground.backends());
  for (const b of results.backends)
    log(`backend ${b.name}: ${b.available ? 'available' : `not available: ${b.reason}`}`);
  const available = results.backends.filter((b) => b.available).map((b) => b.name);
  check('cpu is available', available.includes('cpu'));
  check(
    'every backend says whether it is available',
    results.backends.every((b) => b.available === true || (b.available === false && b.reason)),
  );
  results.bundle = await page.textContent('#bundle-note');

  // Train a fresh LeNet-5 (same seed, same batches) on each available backend: the loss falls, and every
  // step's loss matches the cpu backend's (which the conformance suite checks against the reference backend).
  // Backends that run on software GPUs here (SwiftShader) take seconds a step: they train QUICK steps.
  let cpuLosses = null;
  // In CI (not E2E_FULL) the slowest software-GPU engines are picked and run inference, but train only
  // with E2E_FULL=1: each takes minutes on SwiftShader, past this suite's time budget.
  const full = process.env.E2E_FULL === '1';
  const trainOn = available.filter(
    (n) => n !== 'cpu' && (only ? only.includes(n) : full || !SLOW.includes(n)),
  );
  for (const name of process.env.E2E_SKIP_TRAIN ? [] : ['cpu', ...trainOn]) {
    const t0 = Date.now();
    await useBackend(name);
    await page.click('#reset');
    await page.waitForFunction(() => window.playground.step() === 0);
    if (name === 'cpu') {
      // The buttons, as a user would: Start, then Pause once it has run a while.
      // Past step 50, where the test digits are evaluated (accuracy, confusion matrix).
      await page.click('#start');
      await page.waitForFunction(() => window.playground.testHistory().length > 0, null, {
        timeout: 120_000,
      });
      await page.click('#pause');
      await page.waitForFunction(() => !window.playground.running());
      const confusion = await pg(() => window.playground.confusion());
      const [[atStep, accuracy]] = await pg(() => window.playground.testHistory());
      const diagonal = confusion.reduce((n, row, i) => n + row[i], 0);
      check(
        'cpu: test accuracy and the confusion matrix after 50 steps',
        atStep === 50 &&
          confusion.flat().reduce((a, b) => a + b, 0) === 500 &&
          diagonal / 500 === accuracy &&
          accuracy > 0.5,
        `test accuracy ${(accuracy * 100).toFixed(1)}% on 500 digits; shown: ${await page.textContent('#stat-test')}`,
      );
      check(
        'the charts and the confusion matrix are drawn',
        (await canvasesDrawn('#train canvas')).blank.length === 0,
      );
    } else {
      await trainUntil(QUICK);
      const speed = (await pg(() => window.playground.speeds())).find((s) => s.backend === name);
      if ((speed?.samplesPerSecond ?? 0) > 50) await trainUntil(STEPS);
    }
    const history = (await pg(() => window.playground.history())).filter((h) => h.backend === name);
    const losses = history.map((h) => h.loss);
    const speed = (await pg(() => window.playground.speeds())).find((s) => s.backend === name);
    results.speeds[name] = { samplesPerSecond: speed?.samplesPerSecond, steadySteps: speed?.steps, losses };
    check(
      `${name}: ${losses.length} steps, loss falls`,
      losses.length >= QUICK && losses.every(Number.isFinite) && losses.at(-1) < losses[0],
      `${losses[0].toFixed(3)} -> ${losses.at(-1).toFixed(3)}; ${speed?.samplesPerSecond.toFixed(0)} samples/s; ${((Date.now() - t0) / 1000).toFixed(1)} s with start-up`,
    );
    if (name === 'cpu') cpuLosses = losses;
    else {
      // The first QUICK steps, where both runs hold nearly the same weights: float32 rounding in LeNet-5's
      // sums (a few hundred terms) moves a mean cross-entropy of ~2.3 by ~1e-6; 1e-4 leaves a margin for
      // GPU exp/log. Later steps drift apart (Adam amplifies tiny gradient differences), so they are not compared.
      const worst = Math.max(...losses.slice(0, QUICK).map((l, i) => Math.abs(l - cpuLosses[i])));
      check(
        `${name}: the first ${QUICK} steps' losses match cpu's`,
        worst < 1e-4,
        `largest difference ${worst.toExponential(2)}`,
      );
    }
  }
  await page.locator('#backends').screenshot({ path: join(out, 'backends.png') });
  await useBackend('cpu');

  // Switch backend mid-training: the weights arrive intact and training goes on.
  const other = available.find((n) => n === 'tfjs-webgl') ?? available.find((n) => n !== 'cpu');
  if (other && !process.env.E2E_SKIP_TRAIN) {
    await page.click('#reset');
    await page.waitForFunction(() => window.playground.step() === 0);
    await page.click('#start');
    await page.waitForFunction(() => window.playground.step() >= 8, null, { timeout: 60_000 });
    await page.check(`label[data-backend="${other}"] input`);
    await page.waitForFunction((n) => window.playground.switches().some((s) => s.to === n), other, {
      timeout: 60_000,
    });
    const atSwitch = await pg(() => window.playground.switches().at(-1).atStep);
    await page.waitForFunction((k) => window.playground.step() >= k, atSwitch + 8, { timeout: 120_000 });
    await page.click('#pause');
    await page.waitForFunction(() => !window.playground.running());
    const sw = await pg(() => {
      const s = window.playground.switches().at(-1);
      return {
        from: s.from,
        to: s.to,
        whileTraining: s.whileTraining,
        n: s.weightsBefore.length,
        same:
          s.weightsBefore.every((v, i) => v === s.weightsAfter[i]) &&
          s.weightsBefore.length === s.weightsAfter.length,
      };
    });
    check(
      'switch mid-training: every weight survives the move',
      sw.whileTraining && sw.same && sw.n === 61706,
      `${sw.from} -> ${sw.to}, ${sw.n} weights`,
    );
    const h = await pg(() => window.playground.history());
    const after = h.filter((l) => l.backend === other).map((l) => l.loss);
    check(
      'training goes on after the switch, loss below the start',
      after.length >= 8 && mean(after.slice(-3)) < mean(h.slice(0, 3).map((l) => l.loss)),
      `${other}: ${after.length} steps`,
    );
    await useBackend('cpu');
  }

  // Draw a digit (a "7") with the mouse: a prediction appears.
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const pad = await page.locator('#pad').boundingBox();
  const at = (x, y) => [pad.x + (x / 280) * pad.width, pad.y + (y / 280) * pad.height];
  await page.mouse.move(...at(70, 60));
  await page.mouse.down();
  for (const [x, y] of [
    [140, 60],
    [210, 60],
    [180, 130],
    [150, 200],
    [130, 240],
  ])
    await page.mouse.move(...at(x, y), { steps: 6 });
  await page.mouse.up();
  await page.waitForFunction(
    () => document.querySelector('#prediction').textContent.startsWith('The net reads'),
    null,
    { timeout: 30_000 },
  );
  const pred = await pg(() => ({
    ...document.querySelector('#prediction').dataset,
    text: document.querySelector('#prediction').textContent,
  }));
  check(
    'drawing gives a prediction (probabilities sum to 1)',
    Math.abs(Number(pred.sum) - 1) < 1e-4 && /^\d$/.test(pred.digit),
    pred.text,
  );
  check('the probability bars are drawn', (await canvasesDrawn('#probs')).blank.length === 0);
  await page.locator('#draw').screenshot({ path: join(out, 'draw.png') });
  // A finger: a touch tap is a pointer event too; it inks the pad and the prediction follows.
  await page.click('#clear');
  await page.waitForFunction(() =>
    document.querySelector('#prediction').textContent.startsWith('Draw a digit'),
  );
  await page.touchscreen.tap(...at(140, 140));
  await page.waitForFunction(
    () => document.querySelector('#prediction').textContent.startsWith('The net reads'),
    null,
    {
      timeout: 30_000,
    },
  );
  check(
    'touch: a tap on the pad inks it and gives a prediction',
    true,
    await page.textContent('#prediction'),
  );
  // Back to the drawn 7 for the views below.
  await page.click('#clear');
  await page.mouse.move(...at(70, 60));
  await page.mouse.down();
  for (const [x, y] of [
    [140, 60],
    [210, 60],
    [180, 130],
    [150, 200],
    [130, 240],
  ])
    await page.mouse.move(...at(x, y), { steps: 6 });
  await page.mouse.up();
  await page.waitForFunction((d) => document.querySelector('#prediction').dataset.digit === d, pred.digit);
  // The backends not trained above: picked, the weights moved there, and the drawn digit classified on them
  // (the same digit as on cpu: the same answer).
  for (const name of available.filter((n) => n !== 'cpu' && !trainOn.includes(n))) {
    const t0 = Date.now();
    await useBackend(name);
    await page.waitForFunction(
      (n) => document.querySelector('#prediction').textContent.endsWith(`on ${n}.`),
      name,
      { timeout: 150_000 },
    );
    const p = await pg(() => ({ ...document.querySelector('#prediction').dataset }));
    check(
      `${name}: picked, predicts the drawn digit as cpu did`,
      p.digit === pred.digit && Math.abs(Number(p.probability) - Number(pred.probability)) < 1e-3,
      `${p.digit} (${Number(p.probability).toFixed(4)}); ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    await useBackend('cpu');
  }

  // Every view renders for the current input.
  const shapes = Object.fromEntries(
    (await pg(() => window.playground.layerShapes())).map((l) => [l.name, l.shape]),
  );
  const views = ['maps', 'filters', 'window', 'formula', 'pool', 'im2col', 'stroke', 'model'];
  for (const view of views) {
    await page.click(`#tab-${view}`);
    const ready = {
      maps: '#view-maps canvas',
      filters: '#view-filters canvas',
      window: '#window-sum',
      formula: '#formula-real',
      pool: '#pool-agree',
      im2col: '#im2col-check',
      stroke: '#stroke-answers',
      model: '#model-summary',
    }[view];
    await page.waitForSelector(`#view-${view} ${ready.replace(`#view-${view} `, '')}`, { timeout: 90_000 });
    const drawn = await canvasesDrawn(`#view-${view} canvas`);
    if (!['formula', 'stroke', 'model'].includes(view))
      check(
        `view ${view}: ${drawn.count} canvases, none blank`,
        drawn.count > 0 && drawn.blank.length === 0,
        drawn.blank.join(', '),
      );
    if (view === 'window') {
      const d = await pg(() => document.querySelector('#window-sum').dataset);
      check(
        'one output pixel: the dot product equals the layer output',
        Math.abs(Number(d.dot) - Number(d.layer)) <= 1e-4 * Math.max(1, Math.abs(Number(d.layer))),
        `${d.dot} vs ${d.layer}`,
      );
      await page.click('#play-window');
      const before = await page.textContent('#window-sum');
      await page.waitForFunction((t) => document.querySelector('#window-sum')?.textContent !== t, before, {
        timeout: 10_000,
      });
      await page.click('#play-window');
      check('the window slides when playing', true);
    }
    if (view === 'formula') {
      const options = await page.$$eval('#view-formula select option', (os) => os.map((o) => o.value));
      for (const layer of options) {
        await page.selectOption('#view-formula select', layer);
        await page.waitForFunction(
          (l) =>
            document.querySelector('#view-formula select')?.value === l &&
            document.querySelector('#formula-real'),
          layer,
        );
        const f = await pg(() => ({
          axes: [...document.querySelectorAll('#view-formula p[data-axis]')].map((p) => ({
            ...p.dataset,
            text: p.textContent,
          })),
          real: document.querySelector('#formula-real').dataset.shape,
        }));
        const real = shapes[layer];
        check(
          `formula ${layer}: the numbers give the layer's real output ${real.join('x')}`,
          f.axes.length === 2 &&
            f.axes.every((a, i) => Number(a.computed) === real[i] && Number(a.actual) === real[i]) &&
            f.real === real.join(','),
          f.axes.map((a) => a.text).join('; '),
        );
      }
      await page.locator('#inside').screenshot({ path: join(out, 'formula.png') });
    }
    if (view === 'pool') {
      const d = await pg(() => document.querySelector('#pool-agree').dataset);
      check(
        "max pooling: each output equals its window's marked cell",
        d.agree === d.total && Number(d.total) > 0,
        `${d.agree}/${d.total}`,
      );
    }
    if (view === 'im2col') {
      const d = await pg(() => document.querySelector('#im2col-check').dataset);
      check("im2col: the matrix product equals the library's conv2d", Number(d.maxDiff) < 1e-5, d.maxDiff);
    }
    if (view === 'stroke') {
      await page.waitForSelector('#stroke-answers tbody tr[data-net="cnn"]', { timeout: 90_000 });
      // Put the stroke in the right half (never seen in training): row 3, column 7.
      await page.click('#view-stroke .cell:nth-child(23)');
      await page.waitForFunction(() =>
        document.querySelector('#view-stroke p:nth-of-type(2)')?.textContent.includes('column 7'),
      );
      const rows = await pg(() =>
        [...document.querySelectorAll('#stroke-answers tbody tr')].map((r) => ({
          net: r.dataset.net,
          p: Number(r.dataset.p),
        })),
      );
      check(
        '横折: both nets answer side by side',
        rows.length === 2 && rows.every((r) => r.p >= 0 && r.p <= 1),
        rows.map((r) => `${r.net} P=${r.p.toFixed(3)}`).join(', '),
      );
      await page.locator('#inside').screenshot({ path: join(out, 'stroke.png') });
    }
    if (view === 'model') {
      // Save the trained model (two downloads), then load the files back through the file picker.
      const downloads = [];
      page.on('download', (d) => downloads.push(d));
      await page.click('#save');
      await page.waitForFunction(() => true);
      for (let i = 0; i < 50 && downloads.length < 2; i++) await page.waitForTimeout(100);
      const paths = [];
      for (const d of downloads) {
        const p = join(out, d.suggestedFilename());
        await d.saveAs(p);
        paths.push(p);
      }
      check(
        'save model: model.json and a weights file',
        paths.some((p) => p.endsWith('model.json')) && paths.some((p) => /weights\.[0-9a-f]+\.bin$/.test(p)),
      );
      const before = await pg(() => window.playground.layerShapes().length);
      await page.setInputFiles('#model-files', paths);
      await page.waitForFunction(
        () => document.querySelector('#model-note')?.textContent.startsWith('Loaded'),
        null,
        { timeout: 30_000 },
      );
      check(
        'load model: the saved model is back with the same layers',
        (await pg(() => window.playground.layerShapes().length)) === before,
        await page.textContent('#model-note'),
      );
      // An .onnx file exported by PyTorch (the @cnn/onnx fixture): its outputs on the fixture's input must be
      // PyTorch's. The input is [2, 1, 28, 28]: with one channel, NCHW and NHWC hold the same values.
      const fixture = JSON.parse(readFileSync(join(onnxFixtures, 'convnet_opset13.json'), 'utf8'));
      await page.setInputFiles('#model-files', join(onnxFixtures, 'convnet_opset13.onnx'));
      await page.waitForFunction(
        () => document.querySelector('#model-note')?.textContent.startsWith("Loaded 'convnet_opset13'"),
        null,
        { timeout: 30_000 },
      );
      const got = await pg(
        ([v, n]) => window.playground.outputs(v, n),
        [fixture.input.data, fixture.input.shape[0]],
      );
      const worst = Math.max(...got.map((g, i) => Math.abs(g - fixture.output.data[i])));
      check(
        'load .onnx (PyTorch export): outputs match PyTorch',
        got.length === fixture.output.data.length && worst < 1e-4,
        `${await page.textContent('#model-note')}; largest difference ${worst.toExponential(2)}`,
      );
      await page.click('#tab-maps');
      await page.waitForSelector('#view-maps canvas');
      const maps = await canvasesDrawn('#view-maps canvas');
      check(
        'the imported model gets the views (feature maps)',
        maps.count > 2 && maps.blank.length === 0,
        `${maps.count} layers`,
      );
      await page.click('#tab-model');
    }
    if (view === 'maps') await page.locator('#inside').screenshot({ path: join(out, 'feature-maps.png') });
    if (view === 'window') await page.locator('#inside').screenshot({ path: join(out, 'window.png') });
  }

  // For the docs: a longer run on cpu, with test accuracy and the confusion matrix (every 50 steps).
  if (process.argv.includes('--docs')) {
    await page.click('#tab-model');
    await page.click('#view-model button');
    await page.waitForFunction(
      () => window.playground.step() === 0 && window.playground.layerShapes().length === 9,
    );
    await trainUntil(300, 600);
    const test = await pg(() => window.playground.testHistory());
    results.docsRun = { steps: 300, testAccuracy: test };
    log(`docs run: test accuracy ${test.map(([k, a]) => `${k}: ${(a * 100).toFixed(1)}%`).join(', ')}`);
  }
  await page.locator('#train').screenshot({ path: join(out, 'train.png') });

  // Phone width: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await pg(() => document.documentElement.scrollWidth - window.innerWidth);
  check('phone width (390 px): no horizontal scrolling', overflow <= 0, `${overflow} px too wide`);
  await page.screenshot({ path: join(out, 'phone.png') });
  check(
    'no uncaught page errors',
    pageErrors.length === 0 && (await pg(() => window.playground.errors())).length === 0,
    [...pageErrors, ...(await pg(() => window.playground.errors()))].join(' | '),
  );
} finally {
  results.seconds = (Date.now() - started) / 1000;
  writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
if (process.argv.includes('--docs')) {
  mkdirSync(docs, { recursive: true });
  for (const f of [
    'backends.png',
    'train.png',
    'draw.png',
    'window.png',
    'formula.png',
    'stroke.png',
    'phone.png',
  ])
    copyFileSync(join(out, f), join(docs, f));
}
log(
  `passed; speeds (samples/s): ${Object.entries(results.speeds)
    .map(([b, s]) => `${b} ${s.samplesPerSecond?.toFixed(0)}`)
    .join(', ')}`,
);
