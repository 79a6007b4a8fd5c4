import type { Tensor } from '@cnn/core';
import * as cnn from '@cnn/core';

/**
 * Random-input op cases shared by the finite-difference gradient checks and the differential
 * (backend vs backend) tests. Shapes are drawn from a seeded generator, so every run is the same.
 */
export interface OpCase {
  name: string;
  /** Input shapes and how to draw their values. */
  inputs: InputSpec[];
  /** The op under test, applied to the inputs. */
  fn: (...xs: Tensor[]) => Tensor;
  /** Indices of inputs to differentiate (default: all). */
  differentiate?: number[];
}

/** The terms summed into one element (tolerance.ts): here always the input element count, an upper bound. */
export function termsOf(opCase: OpCase): number {
  return opCase.inputs.reduce((n, spec) => n + spec.shape.reduce((a, b) => a * b, 1), 0);
}

/** How a random input of an op case is made: its shape and the kind of values it holds. */
export interface InputSpec {
  shape: number[];
  /**
   * normal: N(0,1); positive: U(0.5, 2); awayFromZero: |x| in [0.2, 1.5] (kinks at 0 are avoided);
   * distinct: a random permutation of well-separated values (max/min have no near-ties).
   */
  draw?: 'normal' | 'positive' | 'awayFromZero' | 'distinct' | 'labels';
  /** For labels: the number of classes. */
  classes?: number;
}

export function drawInput(spec: InputSpec, rng: cnn.Random): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  switch (spec.draw ?? 'normal') {
    case 'normal':
      for (let i = 0; i < n; i++) out[i] = rng.normal();
      break;
    case 'positive':
      for (let i = 0; i < n; i++) out[i] = rng.uniform(0.5, 2);
      break;
    case 'awayFromZero':
      for (let i = 0; i < n; i++) out[i] = (rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.2, 1.5);
      break;
    case 'distinct': {
      const order = rng.shuffle([...Array(n).keys()]);
      // 0.05 apart and 0.025 off every multiple of 0.05: no finite-difference step (0.01) changes an
      // argmax or crosses a kink placed at a multiple of 0.05 (0, clip and hardSigmoid bounds).
      for (let i = 0; i < n; i++) out[i] = (order[i]! - Math.floor(n / 2)) * 0.05 + 0.025;
      break;
    }
    case 'labels':
      for (let i = 0; i < n; i++) out[i] = rng.int(spec.classes ?? 2);
      break;
  }
  return out;
}

/** Builds the case list for one seed: shapes vary with the seed, the ops do not. */
export function opCases(seed = 1): OpCase[] {
  const rng = new cnn.Random(seed);
  const dim = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  const n = dim(1, 2);
  const h = dim(5, 8);
  const w = dim(5, 8);
  const c = dim(2, 4);
  const image = [n, h, w, c];
  const m = dim(2, 5);
  const k = dim(2, 6);
  const p = dim(2, 5);
  const cases: OpCase[] = [];
  const add = (
    name: string,
    inputs: InputSpec[],
    fn: (...xs: Tensor[]) => Tensor,
    differentiate?: number[],
  ) => cases.push({ name, inputs, fn, differentiate });

  // elementwise, with broadcasting
  add('add broadcast', [{ shape: [m, k] }, { shape: [k] }], cnn.add);
  add('sub broadcast', [{ shape: [m, 1] }, { shape: [m, k] }], cnn.sub);
  add('mul broadcast', [{ shape: image }, { shape: [1, 1, 1, c] }], cnn.mul);
  add('div', [{ shape: [m, k] }, { shape: [m, k], draw: 'positive' }], cnn.div);
  add(
    'maximum',
    [
      { shape: [m, k], draw: 'distinct' },
      { shape: [m, k], draw: 'normal' },
    ],
    cnn.maximum,
  );
  add(
    'minimum',
    [
      { shape: [m, k], draw: 'distinct' },
      { shape: [m, k], draw: 'normal' },
    ],
    cnn.minimum,
  );
  add('pow', [{ shape: [m, k], draw: 'positive' }, { shape: [m, k] }], cnn.pow);
  add(
    'where',
    [{ shape: [m, k], draw: 'awayFromZero' }, { shape: [m, k] }, { shape: [k] }],
    (cond, a, b) => cnn.where(cnn.greater(cond!, 0), a!, b!),
    [1, 2],
  );
  for (const [name, fn, draw] of [
    ['neg', cnn.neg, 'normal'],
    ['exp', cnn.exp, 'normal'],
    ['log', cnn.log, 'positive'],
    ['sqrt', cnn.sqrt, 'positive'],
    ['rsqrt', cnn.rsqrt, 'positive'],
    ['square', cnn.square, 'normal'],
    ['abs', cnn.abs, 'awayFromZero'],
    ['reciprocal', cnn.reciprocal, 'positive'],
  ] as const) {
    add(name, [{ shape: [m, k], draw }], fn);
  }

  // activations (inputs kept away from kinks)
  add('relu', [{ shape: image, draw: 'awayFromZero' }], cnn.relu);
  add('leakyRelu', [{ shape: [m, k], draw: 'awayFromZero' }], (x) => cnn.leakyRelu(x!, 0.2));
  add('elu', [{ shape: [m, k], draw: 'awayFromZero' }], (x) => cnn.elu(x!, 1.3));
  add('selu', [{ shape: [m, k], draw: 'awayFromZero' }], (x) => cnn.selu(x!));
  add('sigmoid', [{ shape: [m, k] }], cnn.sigmoid);
  add('tanh', [{ shape: [m, k] }], cnn.tanh);
  add('softplus', [{ shape: [m, k] }], cnn.softplus);
  add('gelu', [{ shape: [m, k] }], (x) => cnn.gelu(x!));
  add('gelu tanh', [{ shape: [m, k] }], (x) => cnn.gelu(x!, 'tanh'));
  add('hardSigmoid', [{ shape: [m, k], draw: 'distinct' }], (x) => cnn.hardSigmoid(x!, 0.25, 0.5));
  add('clip', [{ shape: [m, k], draw: 'distinct' }], (x) => cnn.clip(x!, -0.2, 0.3));

  // linear algebra
  add('matMul', [{ shape: [m, k] }, { shape: [k, p] }], (a, b) => cnn.matMul(a!, b!));
  add('matMul transposeA', [{ shape: [k, m] }, { shape: [k, p] }], (a, b) => cnn.matMul(a!, b!, true, false));
  add('matMul transposeB', [{ shape: [m, k] }, { shape: [p, k] }], (a, b) => cnn.matMul(a!, b!, false, true));
  add('matMul both transposed', [{ shape: [k, m] }, { shape: [p, k] }], (a, b) =>
    cnn.matMul(a!, b!, true, true),
  );
  add('matMul batch broadcast', [{ shape: [2, 1, m, k] }, { shape: [3, k, p] }], (a, b) =>
    cnn.matMul(a!, b!),
  );
  add('dense', [{ shape: [m, k] }, { shape: [k, p] }, { shape: [p] }], (x, wt, b) => cnn.dense(x!, wt!, b));

  // convolution
  const g = 2;
  add('conv2d same', [{ shape: image }, { shape: [3, 3, c, 3] }], (x, f) =>
    cnn.conv2d(x!, f!, { padding: 'same' }),
  );
  add('conv2d stride 2, asymmetric pads', [{ shape: image }, { shape: [3, 2, c, 2] }], (x, f) =>
    cnn.conv2d(x!, f!, { strides: [2, 1], padding: [1, 0, 0, 1] }),
  );
  add('conv2d dilation 2', [{ shape: image }, { shape: [2, 3, c, 3] }], (x, f) =>
    cnn.conv2d(x!, f!, { dilations: 2, padding: 1 }),
  );
  add('conv2d groups 2', [{ shape: [n, h, w, 2 * g] }, { shape: [3, 3, 2, 2 * g] }], (x, f) =>
    cnn.conv2d(x!, f!, { groups: g, padding: 1 }),
  );
  add('depthwiseConv2d multiplier 2', [{ shape: image }, { shape: [3, 3, 1, 2 * c] }], (x, f) =>
    cnn.depthwiseConv2d(x!, f!, { strides: 2, padding: 'same' }),
  );
  add('conv2dTranspose stride 2', [{ shape: [n, 3, 4, c] }, { shape: [3, 3, 2, c] }], (x, f) =>
    cnn.conv2dTranspose(x!, f!, { strides: 2, padding: 1, outputPadding: 1 }),
  );

  // pooling
  add('maxPool2d 2x2', [{ shape: image, draw: 'distinct' }], (x) => cnn.maxPool2d(x!, { kernel: 2 }));
  add('maxPool2d 3x3/2 pad 1 ceil', [{ shape: image, draw: 'distinct' }], (x) =>
    cnn.maxPool2d(x!, { kernel: 3, strides: 2, padding: 1, ceilMode: true }),
  );
  add('avgPool2d 3x3/2 pad 1', [{ shape: image }], (x) =>
    cnn.avgPool2d(x!, { kernel: 3, strides: 2, padding: 1 }),
  );
  add('avgPool2d count pad, ceil', [{ shape: image }], (x) =>
    cnn.avgPool2d(x!, { kernel: 3, strides: 2, padding: 1, ceilMode: true, countIncludePad: true }),
  );
  add('avgPool2d dilated', [{ shape: image }], (x) =>
    cnn.avgPool2d(x!, { kernel: 2, strides: 1, dilations: 2 }),
  );
  add('globalAvgPool', [{ shape: image }], cnn.globalAvgPool);
  add('globalMaxPool', [{ shape: image, draw: 'distinct' }], cnn.globalMaxPool);

  // reductions and softmax
  add('sum axes', [{ shape: [m, k, p] }], (x) => cnn.sum(x!, [0, 2]));
  add('mean', [{ shape: [m, k] }], (x) => cnn.mean(x!, 1, true));
  add('max', [{ shape: [m, k], draw: 'distinct' }], (x) => cnn.max(x!, -1));
  add('min', [{ shape: [m, k], draw: 'distinct' }], (x) => cnn.min(x!, 0));
  add('softmax', [{ shape: [m, k] }], (x) => cnn.softmax(x!));
  add('softmax axis 0', [{ shape: [m, k] }], (x) => cnn.softmax(x!, 0));
  add('logSoftmax', [{ shape: [m, k, p] }], (x) => cnn.logSoftmax(x!, 1));

  // normalization
  add(
    'batchNorm',
    [{ shape: image }, { shape: [c] }, { shape: [c], draw: 'positive' }, { shape: [c] }, { shape: [c] }],
    (x, mu, v, s, o) => cnn.batchNorm(x!, mu!, v!, s!, o!, 1e-3),
  );
  add(
    'batchNormTraining',
    [{ shape: image }, { shape: [c] }, { shape: [c] }],
    (x, s, o) => cnn.batchNormTraining(x!, s!, o!, 1e-3).y,
  );
  // The returned statistics are differentiable too (gradients through the fused moments kernel).
  add('batchNormTraining statistics', [{ shape: image }, { shape: [c] }, { shape: [c] }], (x, s, o) => {
    const { y, mean, variance } = cnn.batchNormTraining(x!, s!, o!, 1e-3);
    return cnn.add(y, cnn.mul(mean, variance));
  });
  add('lrn', [{ shape: [n, 3, 3, 5] }], (x) => cnn.lrn(x!, { size: 3, alpha: 0.5, beta: 0.75, bias: 1 }));

  // layout
  add('concat', [{ shape: image }, { shape: [n, h, w, 1] }], (a, b) => cnn.concat([a!, b!], 3));
  add('slice', [{ shape: [m, k, p] }], (x) => cnn.slice(x!, [1, 0, 1], [m - 1, -1, p - 1]));
  add('transpose', [{ shape: [m, k, p] }], (x) => cnn.transpose(x!, [2, 0, 1]));
  add('pad', [{ shape: [m, k] }], (x) => cnn.pad(x!, [1, 0], [2, 1], 0.5));
  add('reshape + flatten', [{ shape: image }], (x) => cnn.flatten(cnn.reshape(x!, [n, h * w, c])));
  add('broadcastTo', [{ shape: [k, 1] }], (x) => cnn.broadcastTo(x!, [m, k, p]));

  // indices and images (composed in core from the required kernels)
  add('argMax', [{ shape: [m, k], draw: 'distinct' }], (x) => cnn.argMax(x!));
  add('argMin axis 0', [{ shape: [m, k, p], draw: 'distinct' }], (x) => cnn.argMin(x!, 0));
  add(
    'oneHot times x',
    [{ shape: [m], draw: 'labels', classes: k }, { shape: [m, k] }],
    (labels, x) => cnn.mul(cnn.oneHot(labels!, k, 2, -0.5), x!),
    [1],
  );
  add(
    'gather rows',
    [{ shape: [k, p] }, { shape: [m + 2], draw: 'labels', classes: k }],
    (x, i) => cnn.gather(x!, i!),
    [0],
  );
  add(
    'gather axis 1, 2-D indices',
    [{ shape: [m, k, p] }, { shape: [2, 3], draw: 'labels', classes: k }],
    (x, i) => cnn.gather(x!, i!, 1),
    [0],
  );
  add('topK values', [{ shape: [m, k + 2], draw: 'distinct' }], (x) => cnn.topK(x!, 3).values);
  add('topK indices', [{ shape: [m, k + 2], draw: 'distinct' }], (x) => cnn.topK(x!, 2).indices);
  add('resizeBilinear up', [{ shape: image }], (x) => cnn.resizeBilinear(x!, [h + 3, w + 1]));
  add('resizeBilinear down, alignCorners', [{ shape: image }], (x) =>
    cnn.resizeBilinear(x!, [h - 2, w - 1], true),
  );
  add('resizeBilinear halfPixelCenters', [{ shape: image }], (x) =>
    cnn.resizeBilinear(x!, [2 * h - 1, w - 2], false, true),
  );
  add('resizeNearestNeighbor', [{ shape: image }], (x) => cnn.resizeNearestNeighbor(x!, [h + 2, w - 2]));
  add('resizeNearestNeighbor halfPixelCenters', [{ shape: image }], (x) =>
    cnn.resizeNearestNeighbor(x!, [2 * h, w - 1], false, true),
  );
  add('resizeNearestNeighbor alignCorners', [{ shape: image }], (x) =>
    cnn.resizeNearestNeighbor(x!, [h - 1, w + 3], true),
  );
  add('mirrorPad reflect', [{ shape: image }], (x) =>
    cnn.mirrorPad(x!, [0, 2, 1, 0], [0, 1, 3, 0], 'reflect'),
  );
  add('mirrorPad symmetric', [{ shape: [m, k] }], (x) => cnn.mirrorPad(x!, [2, 1], [1, 2], 'symmetric'));
  add('mirrorPad edge', [{ shape: image }], (x) => cnn.mirrorPad(x!, [0, 3, 0, 1], [1, 2, 4, 0], 'edge'));

  // compositions whose second derivatives were wrong (mixed terms through several ops)
  add('x³·w', [{ shape: [5] }, { shape: [5] }], (x, wt) => cnn.mul(cnn.pow(x!, 3), wt!));
  add('tanh(conv2d)²', [{ shape: [1, 5, 5, 2] }, { shape: [3, 3, 2, 2] }], (x, f) =>
    cnn.square(cnn.tanh(cnn.conv2d(x!, f!, { padding: 1 }))),
  );
  add('(x·w)² matMul', [{ shape: [m, k] }, { shape: [k, p] }], (a, b) => cnn.square(cnn.matMul(a!, b!)));
  add('maxPool(conv2d)²', [{ shape: [1, 6, 6, 2] }, { shape: [3, 3, 2, 2] }], (x, f) =>
    cnn.square(cnn.maxPool2d(cnn.conv2d(x!, f!, { padding: 1 }), { kernel: 2 })),
  );

  // losses
  add(
    'softmaxCrossEntropy labels',
    [{ shape: [m, k] }, { shape: [m], draw: 'labels', classes: k }],
    (z, y) => cnn.softmaxCrossEntropy(z!, y!),
    [0],
  );
  add('meanSquaredError', [{ shape: [m, k] }, { shape: [m, k] }], cnn.meanSquaredError);
  add(
    'binaryCrossEntropy',
    [{ shape: [m, k] }, { shape: [m, k], draw: 'positive' }],
    (x, t) => cnn.binaryCrossEntropy(cnn.sigmoid(x!), cnn.mul(t!, 0.4)),
    [0],
  );
  return cases;
}
