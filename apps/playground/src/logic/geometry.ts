/**
 * Where a conv or pooling layer's windows sit on its input: the kernel, strides, dilations and explicit pads
 * read from the layer's own config and resolved with core's padding rules, so every view (formula, window,
 * pooling, im2col) uses the numbers the layer really runs with.
 */
import * as cnn from '@cnn/core';

/** A window-sliding layer's geometry, per axis [height, width]. */
export interface WindowGeometry {
  kind: 'conv' | 'maxpool' | 'avgpool';
  layerName: string;
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** [top, left, bottom, right]. */
  pads: [number, number, number, number];
  ceilMode: boolean;
  /** [height, width, channels] of the input and the output (the layer's real shapes). */
  inShape: [number, number, number];
  outShape: [number, number, number];
}

function pair(v: number | readonly number[] | undefined, fallback: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  return [v[0]!, v[1]!];
}

/** The geometry of a model node whose layer slides a window (Conv2D, MaxPool2D, AvgPool2D), else null. */
export function nodeGeometry(node: cnn.Node): WindowGeometry | null {
  const layer = node.layer;
  const input = node.inputs[0];
  if (input?.shape.length !== 3 || node.output.shape.length !== 3) return null;
  const inShape = [...input.shape] as [number, number, number];
  const outShape = [...node.output.shape] as [number, number, number];
  let kind: WindowGeometry['kind'];
  let config: {
    kernelSize?: number | readonly number[];
    poolSize?: number | readonly number[];
    strides?: number | readonly number[];
    dilations?: number | readonly number[];
    padding?: cnn.Padding;
    ceilMode?: boolean;
  };
  if (layer instanceof cnn.Conv2D) {
    kind = 'conv';
    config = layer.config;
  } else if (layer instanceof cnn.MaxPool2D) {
    kind = 'maxpool';
    config = layer.config;
  } else if (layer instanceof cnn.AvgPool2D) {
    kind = 'avgpool';
    config = layer.config;
  } else return null;
  const kernel = pair(kind === 'conv' ? config.kernelSize : config.poolSize, 1);
  // Pooling strides default to the pool size (core's rule); conv strides to 1.
  const strides = pair(config.strides, kind === 'conv' ? 1 : Number.NaN);
  if (Number.isNaN(strides[0])) strides.splice(0, 2, kernel[0], kernel[1]);
  const dilations = pair(config.dilations, 1);
  const pads = cnn.resolvePads(
    layer.name,
    config.padding ?? 'valid',
    [inShape[0], inShape[1]],
    kernel,
    strides,
    dilations,
  ) as [number, number, number, number];
  return {
    kind,
    layerName: layer.name,
    kernel,
    strides,
    dilations,
    pads,
    ceilMode: config.ceilMode ?? false,
    inShape,
    outShape,
  };
}

/** One axis of the output-size formula with its numbers, and whether it gives the layer's real size. */
export interface FormulaAxis {
  axis: 'height' | 'width';
  input: number;
  padBefore: number;
  padAfter: number;
  /** The filter's extent: `dilation*(k-1)+1` (= k without dilation). */
  filter: number;
  stride: number;
  /** What the formula gives. */
  computed: number;
  /** The layer's real output size on this axis. */
  actual: number;
  /** The formula written out with the numbers, e.g. `(28 + 2·2 − 5) / 1 + 1 = 28`. */
  text: string;
}

/** `(in + 2·pad − filter) / stride + 1` for both axes, with the layer's numbers (floor, or ceil in ceil mode). */
export function outputSizeFormula(g: WindowGeometry): FormulaAxis[] {
  return ([0, 1] as const).map((i) => {
    const input = g.inShape[i];
    const padBefore = g.pads[i];
    const padAfter = g.pads[i + 2]!;
    const filter = cnn.kernelExtent(g.kernel[i], g.dilations[i]);
    const stride = g.strides[i];
    const span = input + padBefore + padAfter - filter;
    const round = g.ceilMode ? Math.ceil : Math.floor;
    const computed = round(span / stride) + 1;
    const padText = padBefore === padAfter ? `2·${padBefore}` : `${padBefore} + ${padAfter}`;
    const division =
      span % stride === 0
        ? `${span / stride}`
        : `${g.ceilMode ? '⌈' : '⌊'}${span}/${stride}${g.ceilMode ? '⌉' : '⌋'}`;
    const text = `(${input} + ${padText} − ${filter}) / ${stride} + 1 = ${division} + 1 = ${computed}`;
    return {
      axis: i === 0 ? 'height' : 'width',
      input,
      padBefore,
      padAfter,
      filter,
      stride,
      computed,
      actual: g.outShape[i],
      text,
    };
  });
}

/** The input cell `[row, col]` that kernel tap `[ky, kx]` of output pixel `[oy, ox]` reads (may be in the padding). */
export function inputCell(
  g: WindowGeometry,
  oy: number,
  ox: number,
  ky: number,
  kx: number,
): [number, number] {
  return [
    oy * g.strides[0] - g.pads[0] + ky * g.dilations[0],
    ox * g.strides[1] - g.pads[1] + kx * g.dilations[1],
  ];
}

/** Whether a cell lies inside the input (not in the zero padding). */
export function insideInput(g: WindowGeometry, [row, col]: [number, number]): boolean {
  return row >= 0 && col >= 0 && row < g.inShape[0] && col < g.inShape[1];
}
