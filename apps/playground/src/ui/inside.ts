/**
 * "Look inside" views for the current input: every layer's feature maps, the conv filters, one output pixel
 * as a dot product, the output-size formula, max pooling's choices and im2col. Each view reads the model's
 * real layers and numbers; nothing is drawn from a separate description of the net.
 */
import * as cnn from '@cnn/core';
import { nodeGeometry, outputSizeFormula, type WindowGeometry } from '../logic/geometry.js';
import { im2col } from '../logic/im2col.js';
import { maxPoolChoice } from '../logic/pooling.js';
import type { LayerOutput, Session } from '../logic/session.js';
import { convDotProduct } from '../logic/window.js';
import { context, heatmap, makeCanvas, range } from './canvas.js';

/** What the views share: the session and the current input's layer outputs. */
export interface InsideState {
  session: Session;
  outputs: LayerOutput[];
  /** The chosen output pixel and filter of the window view, the chosen layer of each view. */
  pick: {
    layer: string;
    oy: number;
    ox: number;
    filter: number;
    channel: number;
    poolLayer: string;
    poolChannel: number;
    formulaLayer: string;
  };
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, unknown> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node: HTMLElementTagNameMap[K] = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

function as3(shape: number[]): [number, number, number] {
  return shape.length === 3 ? (shape as [number, number, number]) : [1, shape[0] ?? 1, 1];
}

/** The windowed layers (conv and pool) of the model, with their geometry. */
export function windowedLayers(session: Session): WindowGeometry[] {
  return session.model.nodes.map(nodeGeometry).filter((g): g is WindowGeometry => g !== null);
}

function outputOf(state: InsideState, name: string): LayerOutput {
  const o = state.outputs.find((x) => x.name === name);
  if (!o) throw new Error(`no output for layer '${name}'`);
  return o;
}

function inputOf(state: InsideState, layer: string): LayerOutput {
  const node = state.session.model.nodes.find((n) => n.layer.name === layer)!;
  return outputOf(state, node.inputs[0]!.node.layer.name);
}

/** Every layer's output: one small heat map per channel (dense layers as one strip). */
export function renderMaps(root: HTMLElement, state: InsideState): void {
  root.replaceChildren();
  for (const o of state.outputs) {
    const [h, w, c] = as3(o.shape);
    const cell = Math.max(1, Math.floor(56 / Math.max(h, 1)));
    const perRow = Math.min(c, 8);
    const gap = 4;
    const tileW = w * (h === 1 ? Math.max(2, Math.floor(560 / w)) : cell);
    const tileH = h === 1 ? 14 : h * cell;
    const canvas = makeCanvas(
      perRow * (tileW + gap),
      Math.ceil(c / perRow) * (tileH + gap),
      `${o.name}: ${o.shape.join('×')} output, ${c} map(s)`,
    );
    canvas.dataset.layer = o.name;
    const ctx = context(canvas);
    const r = range(o.values);
    for (let ch = 0; ch < c; ch++) {
      const x = (ch % perRow) * (tileW + gap);
      const y = Math.floor(ch / perRow) * (tileH + gap);
      if (h === 1) {
        heatmap(ctx, o.values, [1, w, 1], 0, x, y, 1, { range: r });
        stretch(ctx, x, y, w, tileW, tileH);
      } else heatmap(ctx, o.values, [h, w, c], ch, x, y, cell, { range: r });
    }
    root.append(
      el(
        'div',
        { className: 'layer' },
        el('h3', {}, `${o.name} (${o.className}) → ${o.shape.join(' × ')}`),
        canvas,
      ),
    );
  }
}

/** Stretches a 1-pixel-high strip drawn at (x, y) to a tile. */
function stretch(
  ctx: CanvasRenderingContext2D,
  x: number,
  y: number,
  w: number,
  tileW: number,
  tileH: number,
): void {
  const strip = ctx.getImageData(x, y, w, 1);
  const tile = document.createElement('canvas');
  tile.width = w;
  tile.height = 1;
  context(tile).putImageData(strip, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(x, y, w, 1);
  ctx.drawImage(tile, x, y, tileW, tileH);
}

/** The learned filters of every conv layer: one row per filter, one tile per input channel. */
export async function renderFilters(root: HTMLElement, state: InsideState): Promise<void> {
  const parts: HTMLElement[] = [];
  for (const g of windowedLayers(state.session).filter((g) => g.kind === 'conv')) {
    const kernel = (await state.session.layerWeights(g.layerName)).get('kernel')!;
    const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
    const cell = Math.max(3, Math.floor(40 / Math.max(kh, kw)));
    const gap = 3;
    const cols = Math.min(cin, 16);
    const canvas = makeCanvas(
      cols * (kw * cell + gap),
      cout * (kh * cell + gap),
      `${g.layerName}: ${cout} filters of ${kh}×${kw}×${cin}; light = positive weight, dark = negative`,
    );
    canvas.dataset.layer = g.layerName;
    const ctx = context(canvas);
    const r = range(kernel.values);
    // HWIO: tile (filter f, channel c) reads kernel[ky][kx][c][f]; gathered into an [kh, kw, 1] map.
    for (let f = 0; f < cout; f++) {
      for (let c = 0; c < cols; c++) {
        const tile = new Float32Array(kh * kw);
        for (let i = 0; i < kh * kw; i++) tile[i] = kernel.values[(i * cin + c) * cout + f]!;
        heatmap(ctx, tile, [kh, kw, 1], 0, c * (kw * cell + gap), f * (kh * cell + gap), cell, {
          diverging: true,
          range: r,
        });
      }
    }
    parts.push(
      el(
        'div',
        { className: 'layer' },
        el(
          'h3',
          {},
          `${g.layerName}: ${cout} filters, ${kh}×${kw}×${cin} (rows: filters; columns: input channels${cin > cols ? `, first ${cols}` : ''})`,
        ),
        canvas,
      ),
    );
  }
  root.replaceChildren(
    el('p', {}, 'Updated while training. Mid-gray is 0; lighter is positive, darker negative.'),
    ...parts,
  );
}

function layerSelect(
  label: string,
  names: string[],
  value: string,
  onChange: (v: string) => void,
): HTMLElement {
  const select: HTMLSelectElement = el('select');
  for (const n of names) select.append(el('option', { value: n, selected: n === value }, n));
  select.addEventListener('change', () => onChange(select.value));
  return el('label', {}, `${label} `, select);
}

function numberInput(label: string, value: number, max: number, onChange: (v: number) => void): HTMLElement {
  const input: HTMLInputElement = el('input', {
    type: 'number',
    min: '0',
    max: String(max),
    value: String(value),
  });
  input.addEventListener('change', () =>
    onChange(Math.max(0, Math.min(max, Math.round(Number(input.value)) || 0))),
  );
  return el('label', {}, `${label} `, input);
}

/**
 * One output pixel of a conv layer: the input window it sees (outlined), the filter, the output map with the
 * pixel marked, and the dot product term by term. `rerender` redraws after a control changes.
 */
export async function renderWindow(
  root: HTMLElement,
  state: InsideState,
  rerender: () => void,
): Promise<void> {
  const convs = windowedLayers(state.session).filter((g) => g.kind === 'conv');
  if (!convs.length) return void root.replaceChildren(el('p', {}, 'This model has no conv layer.'));
  const g = convs.find((c) => c.layerName === state.pick.layer) ?? convs[0]!;
  state.pick.layer = g.layerName;
  const p = state.pick;
  p.oy = Math.min(p.oy, g.outShape[0] - 1);
  p.ox = Math.min(p.ox, g.outShape[1] - 1);
  p.filter = Math.min(p.filter, g.outShape[2] - 1);
  p.channel = Math.min(p.channel, g.inShape[2] - 1);
  const input = inputOf(state, g.layerName);
  const output = outputOf(state, g.layerName);
  const weights = await state.session.layerWeights(g.layerName);
  const kernel = weights.get('kernel')!;
  const bias = weights.get('bias')?.values ?? null;
  const dot = convDotProduct(g, input.values, kernel.values, bias, p.oy, p.ox, p.filter);
  const layerValue = output.values[(p.oy * g.outShape[1] + p.ox) * g.outShape[2] + p.filter]!;
  const activation = (state.session.model.layers.find((l) => l.name === g.layerName) as cnn.Conv2D).config
    .activation;
  const activated =
    activation === 'relu' ? Math.max(0, dot.total) : activation === 'linear' ? dot.total : Number.NaN;

  const cell = Math.max(4, Math.floor(224 / Math.max(g.inShape[0], g.inShape[1])));
  const [padT, padL, padB, padR] = g.pads;
  const inCanvas = makeCanvas(
    (g.inShape[1] + padL + padR) * cell,
    (g.inShape[0] + padT + padB) * cell,
    `input of ${g.layerName}, channel ${p.channel}, with the window of output pixel (${p.oy}, ${p.ox}) outlined`,
  );
  inCanvas.id = 'window-input';
  const ictx = context(inCanvas);
  ictx.fillStyle = '#ddd'; // the zero padding
  ictx.fillRect(0, 0, inCanvas.width, inCanvas.height);
  heatmap(ictx, input.values, g.inShape, p.channel, padL * cell, padT * cell, cell);
  const top = p.oy * g.strides[0] * cell;
  const left = p.ox * g.strides[1] * cell;
  const extentH = ((g.kernel[0] - 1) * g.dilations[0] + 1) * cell;
  const extentW = ((g.kernel[1] - 1) * g.dilations[1] + 1) * cell;
  ictx.strokeStyle = '#ff3b00';
  ictx.lineWidth = 3;
  ictx.setLineDash([6, 3]);
  ictx.strokeRect(left + 1.5, top + 1.5, extentW - 3, extentH - 3);

  const fcell = Math.max(8, Math.floor(120 / Math.max(g.kernel[0], g.kernel[1])));
  const filterCanvas = makeCanvas(
    g.kernel[1] * fcell,
    g.kernel[0] * fcell,
    `filter ${p.filter} of ${g.layerName}, channel ${p.channel}`,
  );
  filterCanvas.id = 'window-filter';
  const tile = new Float32Array(g.kernel[0] * g.kernel[1]);
  const [cin, cout] = [g.inShape[2], g.outShape[2]];
  for (let i = 0; i < tile.length; i++) tile[i] = kernel.values[(i * cin + p.channel) * cout + p.filter]!;
  heatmap(context(filterCanvas), tile, [g.kernel[0], g.kernel[1], 1], 0, 0, 0, fcell, { diverging: true });

  const ocell = Math.max(4, Math.floor(224 / Math.max(g.outShape[0], g.outShape[1])));
  const outCanvas = makeCanvas(
    g.outShape[1] * ocell,
    g.outShape[0] * ocell,
    `output map ${p.filter} of ${g.layerName}; click a pixel to choose it`,
  );
  outCanvas.id = 'window-output';
  const octx = context(outCanvas);
  heatmap(octx, output.values, g.outShape, p.filter, 0, 0, ocell);
  octx.strokeStyle = '#ff3b00';
  octx.lineWidth = 3;
  octx.strokeRect(p.ox * ocell + 1.5, p.oy * ocell + 1.5, ocell - 3, ocell - 3);
  outCanvas.addEventListener('click', (e) => {
    const rect = outCanvas.getBoundingClientRect();
    p.ox = Math.floor(((e.clientX - rect.left) / rect.width) * g.outShape[1]);
    p.oy = Math.floor(((e.clientY - rect.top) / rect.height) * g.outShape[0]);
    rerender();
  });

  const shown = dot.terms.filter((t) => t.channel === p.channel);
  const terms = el(
    'div',
    { className: 'terms', ariaLabel: 'the dot product, term by term' },
    ...shown.map((t) =>
      el(
        'div',
        {},
        `w[${t.ky},${t.kx},${t.channel}] · x(${t.cell[0]},${t.cell[1]})${t.padding ? ' [padding]' : ''} = ${t.weight.toFixed(3)} · ${t.input.toFixed(3)} = ${t.product.toFixed(4)}`,
      ),
    ),
  );
  const sum = el(
    'p',
    { className: 'formula', id: 'window-sum' },
    `Σ over ${dot.terms.length} terms (${g.kernel[0]}×${g.kernel[1]}×${cin}) + bias ${dot.bias.toFixed(4)} = ${dot.total.toFixed(4)}; ${activation}(…) = ${activated.toFixed(4)}; the layer's output there: ${layerValue.toFixed(4)}`,
  );
  sum.dataset.dot = String(activated);
  sum.dataset.layer = String(layerValue);

  const controls = el(
    'div',
    { className: 'buttons' },
    layerSelect(
      'Layer',
      convs.map((c) => c.layerName),
      g.layerName,
      (v) => {
        p.layer = v;
        rerender();
      },
    ),
    numberInput('row', p.oy, g.outShape[0] - 1, (v) => {
      p.oy = v;
      rerender();
    }),
    numberInput('column', p.ox, g.outShape[1] - 1, (v) => {
      p.ox = v;
      rerender();
    }),
    numberInput('filter', p.filter, g.outShape[2] - 1, (v) => {
      p.filter = v;
      rerender();
    }),
    numberInput('input channel', p.channel, g.inShape[2] - 1, (v) => {
      p.channel = v;
      rerender();
    }),
  );
  root.replaceChildren(
    el(
      'p',
      {},
      `Every output pixel of ${g.layerName} is one filter times the window under it, plus a bias. The same filter slides to every position (weight sharing); each pixel sees only its window (local connectivity). Press Play to slide it.`,
    ),
    controls,
    el(
      'div',
      { className: 'row' },
      figure(inCanvas, 'input (gray border: zero padding)'),
      figure(filterCanvas, `filter ${p.filter}, channel ${p.channel}`),
      figure(outCanvas, `output map ${p.filter}`),
    ),
    sum,
    terms,
  );
}

function figure(canvas: HTMLCanvasElement, caption: string): HTMLElement {
  return el('figure', {}, canvas, el('figcaption', {}, caption));
}

/** Advances the chosen output pixel by one position (row-major, wrapping): the animation's step. */
export function advanceWindow(state: InsideState): void {
  const g = windowedLayers(state.session).find((c) => c.layerName === state.pick.layer);
  if (!g) return;
  const p = state.pick;
  p.ox++;
  if (p.ox >= g.outShape[1]) {
    p.ox = 0;
    p.oy = (p.oy + 1) % g.outShape[0];
  }
}

/** The output-size formula of a conv or pool layer, with its numbers, next to the layer's real shape. */
export function renderFormula(root: HTMLElement, state: InsideState, rerender: () => void): void {
  const layers = windowedLayers(state.session);
  if (!layers.length)
    return void root.replaceChildren(el('p', {}, 'This model has no conv or pooling layer.'));
  const g = layers.find((l) => l.layerName === state.pick.formulaLayer) ?? layers[0]!;
  state.pick.formulaLayer = g.layerName;
  const axes = outputSizeFormula(g);
  const rows = axes.map((a) => {
    const p = el('p', { className: 'formula' }, `${a.axis}: (in + 2·pad − filter) / stride + 1 = ${a.text}`);
    p.dataset.axis = a.axis;
    p.dataset.computed = String(a.computed);
    p.dataset.actual = String(a.actual);
    p.dataset.input = String(a.input);
    return p;
  });
  const real = el(
    'p',
    { id: 'formula-real' },
    `The layer's real output: ${g.outShape.join(' × ')} (input ${g.inShape.join(' × ')}; ${g.kind === 'conv' ? `${g.outShape[2]} filters` : 'channels kept'}).`,
  );
  real.dataset.shape = g.outShape.join(',');
  real.dataset.input = g.inShape.join(',');
  root.replaceChildren(
    layerSelect(
      'Layer',
      layers.map((l) => l.layerName),
      g.layerName,
      (v) => {
        state.pick.formulaLayer = v;
        rerender();
      },
    ),
    el(
      'p',
      {},
      `${g.layerName}: filter ${g.kernel.join('×')}, stride ${g.strides.join('×')}, padding top/left/bottom/right ${g.pads.join('/')}${g.dilations.some((d) => d !== 1) ? `, dilation ${g.dilations.join('×')} (the filter spans dilation·(k−1)+1)` : ''}${g.ceilMode ? ', ceil mode (rounds up)' : ' (rounds down)'}.`,
    ),
    ...rows,
    real,
  );
}

/** Max pooling: the input channel with each window's winning cell marked, and the pooled output. */
export function renderPool(root: HTMLElement, state: InsideState, rerender: () => void): void {
  const pools = windowedLayers(state.session).filter((g) => g.kind === 'maxpool');
  if (!pools.length) return void root.replaceChildren(el('p', {}, 'This model has no max-pooling layer.'));
  const g = pools.find((l) => l.layerName === state.pick.poolLayer) ?? pools[0]!;
  state.pick.poolLayer = g.layerName;
  const ch = Math.min(state.pick.poolChannel, g.inShape[2] - 1);
  const input = inputOf(state, g.layerName);
  const output = outputOf(state, g.layerName);
  const cell = Math.max(6, Math.floor(280 / g.inShape[0]));
  const canvas = makeCanvas(
    g.inShape[1] * cell,
    g.inShape[0] * cell,
    `input of ${g.layerName}, channel ${ch}: each window's maximum is marked with a dot`,
  );
  canvas.id = 'pool-input';
  const ctx = context(canvas);
  heatmap(ctx, input.values, g.inShape, ch, 0, 0, cell);
  let agree = 0;
  for (let oy = 0; oy < g.outShape[0]; oy++) {
    for (let ox = 0; ox < g.outShape[1]; ox++) {
      const choice = maxPoolChoice(g, input.values, oy, ox, ch);
      const [r, c] = choice.cells[choice.winner]!;
      if (choice.value === output.values[(oy * g.outShape[1] + ox) * g.outShape[2] + ch]) agree++;
      ctx.strokeStyle = '#0050b3';
      ctx.lineWidth = 1;
      ctx.strokeRect(
        ox * g.strides[1] * cell + 0.5,
        oy * g.strides[0] * cell + 0.5,
        g.kernel[1] * cell - 1,
        g.kernel[0] * cell - 1,
      );
      ctx.fillStyle = '#ff3b00';
      ctx.beginPath();
      ctx.arc(c * cell + cell / 2, r * cell + cell / 2, cell / 4, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  const ocell = cell * g.strides[0];
  const outCanvas = makeCanvas(
    g.outShape[1] * ocell,
    g.outShape[0] * ocell,
    `output of ${g.layerName}, channel ${ch}`,
  );
  outCanvas.id = 'pool-output';
  heatmap(context(outCanvas), output.values, g.outShape, ch, 0, 0, ocell);
  const total = g.outShape[0] * g.outShape[1];
  const note = el(
    'p',
    { id: 'pool-agree' },
    `${agree} of ${total} outputs equal their window's marked cell.`,
  );
  note.dataset.agree = String(agree);
  note.dataset.total = String(total);
  root.replaceChildren(
    el(
      'div',
      { className: 'buttons' },
      layerSelect(
        'Layer',
        pools.map((l) => l.layerName),
        g.layerName,
        (v) => {
          state.pick.poolLayer = v;
          rerender();
        },
      ),
      numberInput('channel', ch, g.inShape[2] - 1, (v) => {
        state.pick.poolChannel = v;
        rerender();
      }),
    ),
    el(
      'p',
      {},
      `Each ${g.kernel.join('×')} window (outlined) keeps only its largest value (dot); the output is ${g.outShape.join(' × ')}.`,
    ),
    el(
      'div',
      { className: 'row' },
      figure(canvas, `${g.layerName} input, channel ${ch}`),
      figure(outCanvas, 'pooled output'),
    ),
    note,
  );
}

/**
 * im2col for a small conv: a 6×6 crop of the current input, 3×3 filters (the centre 3×3 of the first conv
 * layer's first two filters): the patch matrix times the weight matrix, checked against the library's conv2d.
 */
export async function renderIm2col(root: HTMLElement, state: InsideState): Promise<void> {
  const first = windowedLayers(state.session).find((g) => g.kind === 'conv');
  const image = state.outputs[0]!;
  const [H, W, C] = as3(image.shape);
  const size = 6;
  const crop = new Float32Array(size * size);
  const r0 = Math.max(0, Math.floor(H / 2) - 3);
  const c0 = Math.max(0, Math.floor(W / 2) - 3);
  for (let r = 0; r < size; r++)
    for (let c = 0; c < size; c++) crop[r * size + c] = image.values[((r0 + r) * W + c0 + c) * C]!;
  const filters = 2;
  const kernel = new Float32Array(9 * filters);
  if (first) {
    const k = (await state.session.layerWeights(first.layerName)).get('kernel')!;
    const [kh, kw, cin, cout] = k.shape as [number, number, number, number];
    const oy = Math.floor((kh - 3) / 2);
    const ox = Math.floor((kw - 3) / 2);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        for (let f = 0; f < filters; f++)
          kernel[(i * 3 + j) * filters + f] = k.values[((oy + i) * kw + ox + j) * cin * cout + (f % cout)]!;
  }
  const g: WindowGeometry = {
    kind: 'conv',
    layerName: 'small conv',
    kernel: [3, 3],
    strides: [1, 1],
    dilations: [1, 1],
    pads: [0, 0, 0, 0],
    ceilMode: false,
    inShape: [size, size, 1],
    outShape: [4, 4, filters],
  };
  const m = im2col(g, crop, kernel, null);
  const library = cnn.tidy(() =>
    cnn.conv2d(cnn.tensor(crop, [1, size, size, 1]), cnn.tensor(kernel, [3, 3, 1, filters])),
  );
  const conv = await library.data();
  library.dispose();
  let maxDiff = 0;
  for (let i = 0; i < conv.length; i++) maxDiff = Math.max(maxDiff, Math.abs(conv[i]! - m.product[i]!));
  const cell = 14;
  const matrix = (values: Float32Array, rows: number, cols: number, label: string, id: string) => {
    const canvas = makeCanvas(cols * cell, rows * cell, label);
    canvas.id = id;
    heatmap(context(canvas), values, [rows, cols, 1], 0, 0, 0, cell, { diverging: id !== 'im2col-patches' });
    return canvas;
  };
  const result = el(
    'p',
    { id: 'im2col-check', className: 'formula' },
    `[${m.rows}×${m.inner}] · [${m.inner}×${m.cols}] = [${m.rows}×${m.cols}]; largest difference from the library's conv2d on ${state.session.backend}: ${maxDiff.toExponential(2)}`,
  );
  result.dataset.maxDiff = String(maxDiff);
  root.replaceChildren(
    el(
      'p',
      {},
      `A ${size}×${size} crop of the input, two 3×3 filters (the centre of ${first?.layerName ?? 'no conv layer'}'s first two). Each of the ${m.rows} output pixels becomes a row of 9 input values (its window); each filter a column of 9 weights; one matrix product gives every output at once.`,
    ),
    el(
      'div',
      { className: 'row' },
      figure(
        matrix(m.patches, m.rows, m.inner, `patch matrix ${m.rows} by ${m.inner}`, 'im2col-patches'),
        `patches [${m.rows}×${m.inner}]`,
      ),
      el('p', { className: 'formula' }, '·'),
      figure(
        matrix(m.weights, m.inner, m.cols, `weight matrix ${m.inner} by ${m.cols}`, 'im2col-weights'),
        `weights [${m.inner}×${m.cols}]`,
      ),
      el('p', { className: 'formula' }, '='),
      figure(
        matrix(m.product, m.rows, m.cols, `product ${m.rows} by ${m.cols}`, 'im2col-product'),
        `outputs [${m.rows}×${m.cols}] (4×4 per filter)`,
      ),
    ),
    result,
  );
}
