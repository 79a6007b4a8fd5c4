/**
 * The page: loads the digits from this origin, starts the CPU backend, then loads the other backend packages
 * (their own chunks) and probes them; trains, draws, and renders the views. `window.playground` exposes
 * read-only state for the end-to-end tests (e2e/run.mjs).
 */
import * as cnn from '@cnn/core';
import { lenet5 } from '@cnn/models';
import { type DigitSet, type DigitsManifest, decodeDigits, digitAt } from './logic/digits.js';
import { toMnistImage } from './logic/drawing.js';
import { modelFromFiles, modelToFiles } from './logic/model-file.js';
import { Session, type StepLog } from './logic/session.js';
import { SpeedMeter } from './logic/speed.js';
import { backendPackages, loadBackendPackages, type PickerEntry, probeBackends } from './ui/backends.js';
import { context, countMatrix, lineChart, probabilityBars } from './ui/canvas.js';
import {
  advanceWindow,
  type InsideState,
  renderFilters,
  renderFormula,
  renderIm2col,
  renderMaps,
  renderPool,
  renderWindow,
} from './ui/inside.js';
import { STROKE_SIZE, type StrokeNets, strokeAnswers, strokeImage, trainStrokeNets } from './ui/stroke.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from index.html`);
  return node as T;
};

/** One backend switch, as the e2e test checks it: the weights before and after the move. */
interface SwitchLog {
  from: string;
  to: string;
  atStep: number;
  weightsBefore: number[];
  weightsAfter: number[];
  whileTraining: boolean;
}

const state = {
  session: null as Session | null,
  input: new Float32Array(784) as Float32Array,
  inputSource: 'none' as 'none' | 'drawn' | 'test',
  running: false,
  /** Training pauses by itself once the session reaches this step (the e2e test's exact step counts). */
  stopAtStep: Number.POSITIVE_INFINITY,
  pendingBackend: null as string | null,
  backends: [] as PickerEntry[],
  switches: [] as SwitchLog[],
  testHistory: [] as [number, number][],
  confusion: null as number[][] | null,
  view: 'maps',
  playing: false,
  stroke: null as StrokeNets | null,
  strokeCell: [0, 5] as [number, number],
  train: null as DigitSet | null,
  test: null as DigitSet | null,
  errors: [] as string[],
};
const pick: InsideState['pick'] = {
  layer: '',
  oy: 14,
  ox: 14,
  filter: 0,
  channel: 0,
  poolLayer: '',
  poolChannel: 0,
  formulaLayer: '',
};

function setStatus(text: string, ready = false): void {
  const s = $('status');
  s.textContent = text;
  if (ready) s.dataset.ready = 'true';
}

function report(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  state.errors.push(message);
  const s = $('status');
  s.textContent = `Error: ${message}`;
  s.className = 'error';
  console.error(error);
}

async function fetchBytes(path: string): Promise<Uint8Array> {
  const r = await fetch(new URL(path, document.baseURI));
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status} (run the build: it writes public/generated/)`);
  return new Uint8Array(await r.arrayBuffer());
}

async function loadDigits(): Promise<void> {
  const r = await fetch(new URL('generated/digits.json', document.baseURI));
  if (!r.ok)
    throw new Error(`generated/digits.json: HTTP ${r.status} (run the build: it writes public/generated/)`);
  const manifest = (await r.json()) as DigitsManifest;
  const [ti, tl, si, sl] = await Promise.all(
    ['train-images', 'train-labels', 'test-images', 'test-labels'].map((n) =>
      fetchBytes(`generated/${n}.u8`),
    ),
  );
  state.train = decodeDigits(ti!, tl!, manifest.train.count);
  state.test = decodeDigits(si!, sl!, manifest.test.count);
}

// ---- backends ----

function renderBackends(): void {
  const list = $('backend-list');
  list.replaceChildren();
  const current = state.session?.backend;
  for (const b of state.backends) {
    const label = document.createElement('label');
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'backend';
    radio.value = b.name;
    radio.checked = b.name === current;
    radio.disabled = b.available === false;
    radio.dataset.available = String(b.available);
    radio.addEventListener('change', () => requestBackend(b.name));
    label.append(radio, ` ${b.name}`);
    label.dataset.backend = b.name;
    const why = document.createElement('span');
    why.className = 'why';
    why.textContent =
      b.available === null
        ? 'checking…'
        : b.available
          ? `available: ${b.description}`
          : `not available: ${b.reason ?? 'unknown reason'}`;
    if (b.available === false) label.className = 'unavailable';
    label.append(why);
    list.append(label);
  }
}

function renderSpeeds(): void {
  const body = $('speed-table').querySelector('tbody')!;
  body.replaceChildren();
  for (const s of state.session?.speeds.all() ?? []) {
    const row = document.createElement('tr');
    row.dataset.backend = s.backend;
    row.dataset.samplesPerSecond = String(s.samplesPerSecond);
    for (const text of [s.backend, s.samplesPerSecond.toFixed(0), String(s.steps)]) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    body.append(row);
  }
}

async function weightSample(): Promise<number[]> {
  const out: number[] = [];
  for (const w of state.session!.model.getWeights()) out.push(...(await w.tensor.data()));
  return out;
}

/**
 * Runs session work one piece at a time (a training step, a backend move, a redraw of the views): a move
 * must never replace the weights under a step still reading them.
 */
let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(work: () => Promise<T>): Promise<T> {
  const result = queue.then(work);
  queue = result.catch(() => {});
  return result;
}

function requestBackend(name: string): void {
  state.pendingBackend = name;
  // While training, the loop moves between two steps; otherwise move now.
  if (!state.running) void exclusive(applyPendingBackend).then(refreshInput).catch(report);
}

async function applyPendingBackend(): Promise<void> {
  const name = state.pendingBackend;
  state.pendingBackend = null;
  const session = state.session!;
  if (!name || name === session.backend) return;
  setStatus(`Moving the weights to ${name}…`);
  const before = await weightSample();
  const from = session.backend;
  await session.switchBackend(name);
  const after = await weightSample();
  state.switches.push({
    from,
    to: name,
    atStep: session.step,
    weightsBefore: before,
    weightsAfter: after,
    whileTraining: state.running,
  });
  state.stroke = null; // the 横折 nets live on the old backend: retrain on the new one when opened
  setStatus(`On ${name}: ${before.length.toLocaleString('en-US')} weights moved from ${from}.`, true);
  renderBackends();
}

// ---- training ----

function renderStats(log?: StepLog): void {
  const s = state.session!;
  $('stat-step').textContent = String(s.step);
  if (log) {
    $('stat-loss').textContent = log.loss.toFixed(3);
    $('stat-acc').textContent = `${(log.accuracy * 100).toFixed(1)}%`;
  }
  const speed = s.speeds.speed(s.backend);
  $('stat-speed').textContent = speed ? `${speed.samplesPerSecond.toFixed(0)} (${s.backend})` : '–';
  const last = state.testHistory.at(-1);
  $('stat-test').textContent = last ? `${(last[1] * 100).toFixed(1)}%` : '–';
}

function renderCharts(): void {
  const h = state.session!.history;
  const smooth = (key: 'loss' | 'accuracy') =>
    h.map((l, i) => {
      const win = h.slice(Math.max(0, i - 9), i + 1);
      return [l.step, win.reduce((a, b) => a + b[key], 0) / win.length] as [number, number];
    });
  const maxLoss = Math.max(2.5, ...h.map((l) => l.loss));
  lineChart(
    $('loss-chart'),
    [
      { points: h.map((l) => [l.step, l.loss]), style: 'line', color: '#bbb', width: 1 },
      { points: smooth('loss'), style: 'line', color: '#0050b3', width: 2 },
    ],
    [0, Math.ceil(maxLoss)],
    'loss',
  );
  lineChart(
    $('acc-chart'),
    [
      { points: smooth('accuracy'), style: 'line', color: '#0050b3', width: 2 },
      { points: state.testHistory, style: 'dots', color: '#c03000' },
    ],
    [0, 1],
    'accuracy',
  );
  if (state.confusion) countMatrix($('confusion'), state.confusion);
}

async function evaluateTest(): Promise<void> {
  const s = state.session!;
  if (!s.test) return;
  const { accuracy, counts } = await s.evaluate(500);
  state.testHistory.push([s.step, accuracy]);
  state.confusion = counts;
}

let lastDraw = 0;
let looping = false;
async function trainLoop(): Promise<void> {
  if (looping) return; // a loop finishing its last step picks up `running` again
  looping = true;
  try {
    await trainSteps();
  } finally {
    looping = false;
  }
}

async function trainSteps(): Promise<void> {
  const s = state.session!;
  while (state.running && state.session === s) {
    if (state.pendingBackend) {
      await exclusive(applyPendingBackend);
      void refreshInput().catch(report);
    }
    const log = await exclusive(() => s.trainStep());
    if (s.step >= state.stopAtStep) {
      state.stopAtStep = Number.POSITIVE_INFINITY;
      setRunning(false);
    }
    if (s.step % 50 === 0) await exclusive(evaluateTest);
    const now = performance.now();
    // Redraw at most ~4 times a second: the charts and views must not slow training down.
    if (now - lastDraw > 250) {
      lastDraw = now;
      renderStats(log);
      renderCharts();
      renderSpeeds();
      if (s.step % 10 === 0 && (state.view === 'filters' || state.view === 'maps')) await refreshInput();
    }
    await new Promise((r) => setTimeout(r, 0));
  }
  renderStats(s.history.at(-1));
  renderCharts();
  renderSpeeds();
}

function setRunning(running: boolean): void {
  state.running = running;
  $<HTMLButtonElement>('start').disabled = running;
  $<HTMLButtonElement>('pause').disabled = !running;
  $<HTMLButtonElement>('step').disabled = running;
  $('train').dataset.running = String(running);
  if (running)
    void trainLoop().catch((e) => {
      setRunning(false);
      report(e);
    });
}

const speeds = new SpeedMeter();

function clearConfusion(): void {
  const c = $<HTMLCanvasElement>('confusion');
  context(c).clearRect(0, 0, c.width, c.height);
}

async function newSession(build: () => cnn.Model, canTrain: boolean): Promise<void> {
  const backend = state.session?.backend ?? 'cpu';
  if (state.running) setRunning(false);
  await exclusive(async () => {
    state.session?.dispose();
    state.session = await Session.create(
      backend,
      build,
      { train: canTrain ? state.train : null, test: canTrain ? state.test : null },
      { speeds }, // one meter for every session: the table keeps each backend's speed across resets
    );
  });
  state.testHistory = [];
  state.confusion = null;
  $('stat-loss').textContent = '–';
  $('stat-acc').textContent = '–';
  clearConfusion();
  renderStats();
  renderCharts();
  for (const id of ['start', 'step', 'pause'])
    $<HTMLButtonElement>(id).disabled = !canTrain || id === 'pause';
  await refreshInput();
}

// ---- drawing ----

const pad = $<HTMLCanvasElement>('pad');
const padCtx = context(pad);
function clearPad(): void {
  padCtx.fillStyle = '#000';
  padCtx.fillRect(0, 0, pad.width, pad.height);
}
function setupPad(): void {
  clearPad();
  let drawing = false;
  let last: [number, number] | null = null;
  let queued = false;
  const at = (e: PointerEvent): [number, number] => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * pad.width, ((e.clientY - r.top) / r.height) * pad.height];
  };
  const line = (to: [number, number]) => {
    padCtx.strokeStyle = '#fff';
    padCtx.lineWidth = 20;
    padCtx.lineCap = 'round';
    padCtx.lineJoin = 'round';
    padCtx.beginPath();
    const from = last ?? to;
    padCtx.moveTo(from[0], from[1]);
    padCtx.lineTo(to[0] + 0.01, to[1]);
    padCtx.stroke();
    last = to;
    if (!queued) {
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        useDrawing();
      });
    }
  };
  pad.addEventListener('pointerdown', (e) => {
    drawing = true;
    last = null;
    pad.setPointerCapture(e.pointerId);
    line(at(e));
  });
  pad.addEventListener('pointermove', (e) => drawing && line(at(e)));
  const end = () => {
    drawing = false;
    last = null;
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  $('clear').addEventListener('click', () => {
    clearPad();
    state.input = new Float32Array(784);
    state.inputSource = 'none';
    $('prediction').textContent = 'Draw a digit to see what the net thinks.';
    void refreshInput().catch(report);
  });
  $('sample').addEventListener('click', () => {
    if (!state.test) return;
    const index = Math.floor(Math.random() * state.test.count);
    state.input = digitAt(state.test, index);
    state.inputSource = 'test';
    // Show the digit on the pad, scaled up, so that drawing continues from it.
    const tile = document.createElement('canvas');
    tile.width = tile.height = 28;
    const image = context(tile).createImageData(28, 28);
    state.input.forEach((v, i) => {
      image.data.set([v * 255, v * 255, v * 255, 255], i * 4);
    });
    context(tile).putImageData(image, 0, 0);
    padCtx.imageSmoothingEnabled = true;
    padCtx.drawImage(tile, 0, 0, pad.width, pad.height);
    $('prediction').dataset.label = String(state.test.labels[index]);
    void refreshInput().catch(report);
  });
}

function useDrawing(): void {
  const { data } = padCtx.getImageData(0, 0, pad.width, pad.height);
  const ink = new Float32Array(pad.width * pad.height);
  for (let i = 0; i < ink.length; i++) ink[i] = data[i * 4]! / 255;
  state.input = toMnistImage(ink, pad.width);
  state.inputSource = 'drawn';
  void refreshInput().catch(report);
}

let refreshing: Promise<void> | null = null;
let again = false;
/** Recomputes the prediction and the open view for the current input (coalesced: one at a time). */
async function refreshInput(): Promise<void> {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      await exclusive(async () => {
        await renderPrediction();
        await renderView();
      });
    } while (again);
  })();
  try {
    await refreshing;
  } finally {
    refreshing = null;
  }
}

async function renderPrediction(): Promise<void> {
  const s = state.session!;
  const shape = s.inputShape;
  if (shape.join() !== '28,28,1') {
    $('prediction').textContent = `This model takes ${shape.join('×')} inputs; the pad draws 28×28×1.`;
    return;
  }
  const probs = await s.probabilities(state.input);
  probabilityBars($<HTMLCanvasElement>('probs'), probs);
  let best = 0;
  probs.forEach((p, i) => p > probs[best]! && (best = i));
  const out = $('prediction');
  out.dataset.digit = String(best);
  out.dataset.probability = String(probs[best]);
  out.dataset.sum = String(probs.reduce((a, b) => a + b, 0));
  if (state.inputSource !== 'none')
    out.textContent = `The net reads a ${best} (${(probs[best]! * 100).toFixed(1)}%) on ${s.backend}.`;
  const list = $('prob-list');
  list.replaceChildren(
    ...Array.from(probs, (p, i) => {
      const li = document.createElement('li');
      li.textContent = `${i}: ${(p * 100).toFixed(1)}%`;
      return li;
    }),
  );
}

// ---- views ----

const views = ['maps', 'filters', 'window', 'formula', 'pool', 'im2col', 'stroke', 'model'];

async function renderView(): Promise<void> {
  const s = state.session!;
  const root = $(`view-${state.view}`);
  const inside: InsideState = {
    session: s,
    outputs: s.inputShape.join() === '28,28,1' || state.view === 'model' || state.view === 'stroke' ? [] : [],
    pick,
  };
  const needsOutputs = !['stroke', 'model', 'filters', 'formula'].includes(state.view);
  if (needsOutputs || state.view === 'formula') {
    const image =
      s.inputShape.join() === '28,28,1'
        ? state.input
        : new Float32Array(s.inputShape.reduce((a, b) => a * b, 1));
    inside.outputs = await s.layerOutputs(image);
  }
  const rerender = () => void renderView().catch(report);
  switch (state.view) {
    case 'maps':
      return renderMaps(root, inside);
    case 'filters':
      return renderFilters(root, inside);
    case 'window':
      return renderWindow(root, inside, rerender);
    case 'formula':
      return renderFormula(root, inside, rerender);
    case 'pool':
      return renderPool(root, inside, rerender);
    case 'im2col':
      return renderIm2col(root, inside);
    case 'stroke':
      return renderStroke(root);
    case 'model':
      return renderModel(root);
  }
}

function selectView(name: string, focus = false): void {
  state.view = name;
  for (const v of views) {
    const tab = $(`tab-${v}`);
    const on = v === name;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`view-${v}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  void refreshInput().catch(report);
}

function setupTabs(): void {
  views.forEach((v, i) => {
    const tab = $(`tab-${v}`);
    tab.addEventListener('click', () => selectView(v));
    // Arrow keys move between tabs (the ARIA tabs pattern); Tab moves into the panel.
    tab.addEventListener('keydown', (e) => {
      const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (step) selectView(views[(i + step + views.length) % views.length]!, true);
    });
  });
  const play = document.createElement('button');
  play.type = 'button';
  play.id = 'play-window';
  play.textContent = 'Play';
  play.setAttribute('aria-pressed', 'false');
  play.addEventListener('click', () => {
    state.playing = !state.playing;
    play.textContent = state.playing ? 'Pause sliding' : 'Play';
    play.setAttribute('aria-pressed', String(state.playing));
  });
  $('view-window').before(play);
  play.hidden = true;
  setInterval(() => {
    play.hidden = state.view !== 'window';
    if (state.playing && state.view === 'window' && !refreshing) {
      advanceWindow({ session: state.session!, outputs: [], pick });
      void refreshInput().catch(report);
    }
  }, 400);
}

async function renderStroke(root: HTMLElement): Promise<void> {
  const heading = document.createElement('p');
  heading.textContent =
    'Is the 横折 stroke (top-left, top-right, bottom-right of a 2×2 window) in the image? Both nets learned from images with ink only in the LEFT half. Press a cell to put the stroke there (its top-left corner).';
  if (!state.stroke) {
    root.replaceChildren(
      heading,
      Object.assign(document.createElement('p'), {
        textContent: `Training both nets on ${state.session!.backend}…`,
      }),
    );
    state.stroke = await trainStrokeNets();
  }
  const nets = state.stroke;
  const [r, c] = state.strokeCell;
  const image = strokeImage(r, c);
  const answers = await strokeAnswers(nets, image);
  const grid = document.createElement('div');
  grid.className = 'grid';
  grid.style.gridTemplateColumns = `repeat(${STROKE_SIZE}, 32px)`;
  grid.setAttribute('role', 'group');
  grid.setAttribute('aria-label', `${STROKE_SIZE} by ${STROKE_SIZE} image; a pressed cell is ink`);
  for (let i = 0; i < STROKE_SIZE * STROKE_SIZE; i++) {
    const cell = document.createElement('button');
    cell.type = 'button';
    cell.className = 'cell';
    const [row, col] = [Math.floor(i / STROKE_SIZE), i % STROKE_SIZE];
    cell.setAttribute('aria-pressed', String(image[i]! > 0));
    cell.setAttribute(
      'aria-label',
      `row ${row + 1}, column ${col + 1}${col >= STROKE_SIZE / 2 ? ' (right half, never seen in training)' : ''}`,
    );
    cell.addEventListener('click', () => {
      state.strokeCell = [row, col];
      void refreshInput().then(() =>
        document.querySelectorAll<HTMLButtonElement>('#view-stroke .cell')[i]?.focus(),
      );
    });
    grid.append(cell);
  }
  const table = document.createElement('table');
  table.id = 'stroke-answers';
  table.innerHTML =
    '<thead><tr><th scope="col">net</th><th scope="col">weights</th><th scope="col">P(stroke) here</th><th scope="col">accuracy, left half (seen)</th><th scope="col">accuracy, right half (unseen)</th></tr></thead>';
  const body = document.createElement('tbody');
  nets.nets.forEach((net, i) => {
    const row = document.createElement('tr');
    row.dataset.net = net.kind;
    row.dataset.p = String(answers[i]);
    for (const text of [
      net.kind === 'fc' ? 'fully connected 64-32-2' : 'CNN: 8 conv 2×2 (pad 1), global max, 2',
      String(net.params),
      `${(answers[i]! * 100).toFixed(1)}%`,
      `${(net.seen * 100).toFixed(1)}%`,
      `${(net.unseen * 100).toFixed(1)}%`,
    ]) {
      const td = document.createElement('td');
      td.textContent = text;
      row.append(td);
    }
    body.append(row);
  });
  table.append(body);
  const where = document.createElement('p');
  where.textContent = `Stroke at row ${r + 1}, column ${c + 1}: the ${c >= STROKE_SIZE / 2 ? 'right half (positions never seen in training)' : 'left half (seen in training)'}.`;
  root.replaceChildren(heading, grid, where, table);
}

function renderModel(root: HTMLElement): void {
  const s = state.session!;
  const intro = document.createElement('p');
  intro.textContent =
    'Load a model saved with @cnn (saveModel from @cnn/node writes model.json and weights.<id>.bin: pick both files together) or an .onnx file (imported by @cnn/onnx; 4-D inputs become NHWC). Models that take 28×28×1 images and give 10 classes can also be trained here; every model gets the views.';
  const input = document.createElement('input');
  input.type = 'file';
  input.multiple = true;
  input.accept = '.json,.bin,.onnx';
  input.id = 'model-files';
  const label = document.createElement('label');
  label.append('Model files (model.json + weights .bin, or .onnx) ', input);
  const note = document.createElement('p');
  note.id = 'model-note';
  note.setAttribute('aria-live', 'polite');
  input.addEventListener(
    'change',
    () =>
      void loadModelFiles([...(input.files ?? [])], note).catch(
        (e) => (note.textContent = `Could not load: ${(e as Error).message}`),
      ),
  );
  const reset = document.createElement('button');
  reset.type = 'button';
  reset.textContent = 'Back to LeNet-5';
  reset.addEventListener('click', () => void newSession(() => lenet5({ seed: 1 }), true).catch(report));
  const summary = document.createElement('pre');
  summary.id = 'model-summary';
  summary.textContent = s.model.summary();
  root.replaceChildren(intro, label, reset, note, summary);
}

async function loadModelFiles(files: File[], note: HTMLElement): Promise<void> {
  const onnx = files.find((f) => f.name.endsWith('.onnx'));
  const json = files.find((f) => f.name.endsWith('.json'));
  const bin = files.find((f) => f.name.endsWith('.bin'));
  if (!onnx && (!json || !bin))
    throw new Error(
      `pick an .onnx file, or model.json and its weights .bin together (got ${files.map((f) => f.name).join(', ') || 'nothing'})`,
    );
  await cnn.useBackend(state.session!.backend);
  let model: cnn.Model;
  if (onnx) {
    // @cnn/onnx is its own chunk, loaded only when an .onnx file is picked.
    const { importOnnx } = await import('@cnn/onnx');
    model = importOnnx(new Uint8Array(await onnx.arrayBuffer()), {
      name: onnx.name.replace(/\.onnx$/, ''),
    }).model;
  } else {
    model = await modelFromFiles(await json!.text(), new Uint8Array(await bin!.arrayBuffer()), json!.name);
  }
  const shape = model.inputs[0]!.shape;
  const classes = model.outputs[0]!.shape.at(-1);
  const trainable = shape.join() === '28,28,1' && classes === 10 && model.outputs[0]!.shape.length === 1;
  await newSession(() => model, trainable);
  note.textContent = `Loaded '${model.name}' (${model.countParams().total.toLocaleString('en-US')} weights, input ${shape.join('×')})${trainable ? '; it can train on MNIST here' : ''}.`;
  renderModel($('view-model'));
  $('view-model').querySelector('#model-note')!.textContent = note.textContent;
}

async function saveModel(): Promise<void> {
  const files = await modelToFiles(state.session!.model);
  const download = (name: string, data: BlobPart, type: string) => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([data], { type }));
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  download('model.json', files.json, 'application/json');
  download(files.weightsFile, files.weights as Uint8Array<ArrayBuffer>, 'application/octet-stream');
}

// ---- start ----

/** The size of this build's JavaScript (dist/bundle-size.json, written by scripts/bundle-size.mjs). */
async function showBundleSize(): Promise<void> {
  const r = await fetch(new URL('bundle-size.json', document.baseURI)).catch(() => null);
  if (!r?.ok) return;
  const b = (await r.json()) as Record<'initial' | 'lazy', { bytes: number; gzip: number }>;
  const kb = (n: number) => `${Math.round(n / 1024)} KiB`;
  $('bundle-note').textContent =
    `JavaScript: ${kb(b.initial.bytes)} (${kb(b.initial.gzip)} gzipped) to start; the other backends and their engines load afterwards in their own chunks: ${kb(b.lazy.bytes)} (${kb(b.lazy.gzip)} gzipped), plus the .wasm files of tfjs-wasm.`;
}

async function main(): Promise<void> {
  $('isolation').textContent = globalThis.crossOriginIsolated
    ? 'This page is cross-origin isolated: SharedArrayBuffer (WebAssembly threads) is available.'
    : 'This page is not cross-origin isolated (serve it with COOP/COEP headers for WebAssembly threads).';
  setupPad();
  setupTabs();
  $('start').addEventListener('click', () => setRunning(true));
  $('pause').addEventListener('click', () => setRunning(false));
  $('step').addEventListener(
    'click',
    () =>
      void exclusive(() => state.session!.trainStep())
        .then((log) => {
          renderStats(log);
          renderCharts();
          renderSpeeds();
          return refreshInput();
        })
        .catch(report),
  );
  $('reset').addEventListener('click', () => void newSession(() => lenet5({ seed: 1 }), true).catch(report));
  $('save').addEventListener('click', () => void saveModel().catch(report));
  void showBundleSize();
  await loadDigits();
  setStatus('Starting the CPU backend…');
  await backendPackages[0]!.load();
  state.backends = cnn.registeredBackends().map((b) => ({ ...b, available: null }));
  await newSession(() => lenet5({ seed: 1 }), true);
  renderBackends();
  setStatus('Loading the other backends…');
  const failed = await loadBackendPackages();
  state.backends = [...cnn.registeredBackends().map((b) => ({ ...b, available: null })), ...failed];
  renderBackends();
  state.backends = [
    ...(await probeBackends(30_000, (entry) => {
      state.backends = state.backends.map((b) => (b.name === entry.name ? entry : b));
      renderBackends();
    })),
    ...failed,
  ];
  // Probing started every backend; keep the session's one selected for new tensors.
  cnn.setBackend(state.session!.backend);
  renderBackends();
  const ready = state.backends.filter((b) => b.available).length;
  setStatus(
    `Ready: ${state.train!.count} training and ${state.test!.count} test digits; ${ready} of ${state.backends.length} backends available.`,
    true,
  );
}

declare global {
  interface Window {
    playground: unknown;
  }
}
window.playground = {
  history: () => state.session?.history.map((l) => ({ ...l })) ?? [],
  switches: () => state.switches,
  backends: () => state.backends,
  backend: () => state.session?.backend,
  step: () => state.session?.step ?? 0,
  testHistory: () => state.testHistory,
  confusion: () => state.confusion,
  speeds: () => state.session?.speeds.all() ?? [],
  errors: () => state.errors,
  layerShapes: () =>
    state.session?.model.nodes.map((n) => ({ name: n.layer.name, shape: [...n.output.shape] })) ?? [],
  running: () => state.running,
  /** The current model's first output for `n` samples given as flat NHWC values (e.g. a reference input). */
  outputs: async (values: number[], n: number) => {
    const s = state.session!;
    return exclusive(async () => {
      const x = cnn.tensor(Float32Array.from(values), [n, ...s.inputShape]);
      const y = s.model.predict(x);
      const data = Array.from(await y.data());
      x.dispose();
      y.dispose();
      return data;
    });
  },
  /** Trains until the session's step count reaches `step`, then pauses (as the Pause button would). */
  trainUntil: (step: number) => {
    state.stopAtStep = step;
    if (!state.running) setRunning(true);
  },
};

main().catch(report);
