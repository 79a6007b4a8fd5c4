import { describe, expect, it } from 'vitest';
import * as cnn from '../src/index.js';

// Building needs no backend: shapes come from the shape-only backend, weights from their specs.
const build = (inputShape: number[], layers: cnn.Layer[]) => cnn.sequential(inputShape, layers);

describe('the shape and convolution layers of issue 13', () => {
  it('output shapes and weight counts (Keras formulas)', () => {
    const model = build(
      [8, 10, 3],
      [
        new cnn.ZeroPadding2D({
          name: 'pad',
          padding: [
            [1, 2],
            [0, 3],
          ],
        }),
        new cnn.Cropping2D({ name: 'crop', cropping: [1, 2] }),
        new cnn.DepthwiseConv2D({ name: 'dw', kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
        new cnn.SeparableConv2D({ name: 'sep', filters: 5, kernelSize: 3, strides: 2 }),
        new cnn.Conv2DTranspose({ name: 'up', filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
        new cnn.UpSampling2D({ name: 'ups', size: [2, 3] }),
        new cnn.SpatialDropout2D({ name: 'sdrop', rate: 0.3 }),
        new cnn.GlobalMaxPool({ name: 'gmax', keepDims: true }),
        new cnn.Reshape({ name: 'flat', targetShape: [-1] }),
        new cnn.ActivationLayer({ name: 'act', activation: 'relu6' }),
      ],
    );
    const shapes = Object.fromEntries(model.nodes.map((n) => [n.layer.name, n.output.shape]));
    expect(shapes.pad).toEqual([11, 13, 3]); // 8+1+2, 10+0+3
    expect(shapes.crop).toEqual([9, 9, 3]); // 11-2, 13-4
    expect(shapes.dw).toEqual([9, 9, 6]);
    expect(shapes.sep).toEqual([4, 4, 5]); // (9-3)/2+1
    expect(shapes.up).toEqual([8, 8, 4]); // 'same': in·stride
    expect(shapes.ups).toEqual([16, 24, 4]);
    expect(shapes.gmax).toEqual([1, 1, 4]);
    expect(shapes.flat).toEqual([4]);
    const params = Object.fromEntries(model.layers.map((l) => [l.name, l.countParams()]));
    expect(params.dw).toBe(3 * 3 * 1 * 6 + 6);
    expect(params.sep).toBe(3 * 3 * 6 + 6 * 5 + 5);
    expect(params.up).toBe(3 * 3 * 4 * 5 + 4); // kernel [kh, kw, filters, inDepth]
    const text = model.summary();
    expect(text).toMatch(/sep \(SeparableConv2D\)\s+\[batch,4,4,5\]\s+89/);
    expect(text).toMatch(/up \(Conv2DTranspose\)\s+\[batch,8,8,4\]\s+184/);
    expect(text).toMatch(/gmax \(GlobalMaxPool\)\s+\[batch,1,1,4\]\s+0/);
  });

  it('Conv2DTranspose valid: (in - 1)·stride + kernel, plus outputPadding', () => {
    const model = build(
      [5, 6, 2],
      [new cnn.Conv2DTranspose({ name: 't', filters: 3, kernelSize: [3, 2], strides: 2, outputPadding: 1 })],
    );
    expect(model.outputs[0]!.shape).toEqual([(5 - 1) * 2 + 3 + 1, (6 - 1) * 2 + 2 + 1, 3]);
  });

  it('bad shapes and options are errors naming the layer', () => {
    expect(() => build([4, 4, 2], [new cnn.Cropping2D({ name: 'cut', cropping: 2 })])).toThrow(
      /layer 'cut' \(Cropping2D\).*leaves nothing of a 4x4 image/,
    );
    expect(() => build([4, 4, 2], [new cnn.Reshape({ name: 'rs', targetShape: [3, 3] })])).toThrow(
      /layer 'rs' \(Reshape\).*cannot reshape/,
    );
    expect(() => build([6], [new cnn.ZeroPadding2D({ name: 'zp' })])).toThrow(
      /layer 'zp' \(ZeroPadding2D\).*rank 2/,
    );
    expect(() => new cnn.ZeroPadding2D({ name: 'zp2', padding: -1 })).toThrow(
      /layer 'zp2' \(ZeroPadding2D\): padding must be/,
    );
    expect(() => new cnn.UpSampling2D({ name: 'u', size: 0 })).toThrow(
      /layer 'u' \(UpSampling2D\): size must be/,
    );
    expect(() => new cnn.UpSampling2D({ name: 'u2', interpolation: 'cubic' as 'nearest' })).toThrow(
      /layer 'u2' \(UpSampling2D\): interpolation must be 'nearest' or 'bilinear'/,
    );
    expect(() => new cnn.SpatialDropout2D({ name: 'sd', rate: 1 })).toThrow(
      /layer 'sd' \(SpatialDropout2D\): rate must be in \[0, 1\)/,
    );
    expect(() => new cnn.DepthwiseConv2D({ name: 'd', kernelSize: 0 })).toThrow(
      /layer 'd' \(DepthwiseConv2D\): kernelSize/,
    );
    expect(() => new cnn.SeparableConv2D({ name: 's', kernelSize: 3, filters: 0 })).toThrow(
      /layer 's' \(SeparableConv2D\): filters must be a positive integer/,
    );
    expect(
      () => new cnn.Conv2DTranspose({ name: 'c', kernelSize: 3, filters: 2, activation: 'nope' as 'relu' }),
    ).toThrow(/layer 'c'.*unknown activation 'nope'/);
    expect(() => build([3, 3, 2], [new cnn.DepthwiseConv2D({ name: 'big', kernelSize: 5 })])).toThrow(
      /layer 'big' \(DepthwiseConv2D\)/,
    );
  });

  it('a frozen layer: its weights leave the trainable count and the model file keeps the flag', () => {
    const model = build(
      [6, 6, 2],
      [
        new cnn.Conv2D({ name: 'backbone', filters: 4, kernelSize: 3 }),
        new cnn.BatchNorm({ name: 'bn' }),
        new cnn.GlobalAveragePool({ name: 'gap' }),
        new cnn.Dense({ name: 'head', units: 3 }),
      ],
    );
    const all = model.countParams();
    model.layers.find((l) => l.name === 'backbone')!.trainable = false;
    model.layers.find((l) => l.name === 'bn')!.trainable = false;
    const frozen = model.countParams();
    expect(frozen.total).toBe(all.total);
    expect(frozen.trainable).toBe(all.trainable - (3 * 3 * 2 * 4 + 4) - 2 * 4);
    expect(model.trainableVariables.map((v) => v.name)).toEqual(['head/kernel', 'head/bias']);
    expect(model.summary()).toContain(`Trainable params: ${frozen.trainable.toLocaleString('en-US')}`);

    const topology = JSON.parse(JSON.stringify(cnn.modelTopology(model))) as cnn.ModelTopology;
    expect(topology.layers.find((l) => l.name === 'backbone')!.config.trainable).toBe(false);
    expect(topology.layers.find((l) => l.name === 'head')!.config.trainable).toBeUndefined();
    const loaded = cnn.modelFromTopology(topology);
    expect(loaded.countParams()).toEqual(frozen);
    expect(loaded.layers.find((l) => l.name === 'backbone')!.trainable).toBe(false);
  });

  it('every new layer round-trips through the model format (same topology, same shapes)', () => {
    const x = cnn.input([8, 8, 3], 'x');
    let y = new cnn.ZeroPadding2D({ name: 'zp', padding: 1 }).apply(x);
    y = new cnn.Cropping2D({
      name: 'cr',
      cropping: [
        [1, 0],
        [0, 1],
      ],
    }).apply(y);
    y = new cnn.DepthwiseConv2D({
      name: 'dw',
      kernelSize: 3,
      padding: 'same',
      activation: 'relu6',
      useBias: false,
    }).apply(y);
    y = new cnn.SeparableConv2D({
      name: 'sep',
      filters: 4,
      kernelSize: 3,
      depthMultiplier: 2,
      padding: 'same',
    }).apply(y);
    y = new cnn.Conv2DTranspose({ name: 'tr', filters: 2, kernelSize: 2, strides: 2 }).apply(y);
    y = new cnn.UpSampling2D({ name: 'up', interpolation: 'bilinear' }).apply(y);
    y = new cnn.SpatialDropout2D({ name: 'sd', rate: 0.2 }).apply(y);
    const pooled = new cnn.GlobalAveragePool({ name: 'gap', keepDims: true }).apply(y);
    y = new cnn.Reshape({ name: 'rs', targetShape: [2] }).apply(pooled);
    y = new cnn.ActivationLayer({ name: 'act', activation: 'tanh' }).apply(y);
    const model = new cnn.Model({ inputs: x, outputs: y, name: 'all-new' });
    const topology = JSON.parse(JSON.stringify(cnn.modelTopology(model))) as cnn.ModelTopology;
    const loaded = cnn.modelFromTopology(topology);
    expect(cnn.modelTopology(loaded)).toEqual(topology);
    expect(loaded.nodes.map((n) => n.output.shape)).toEqual(model.nodes.map((n) => n.output.shape));
    expect(loaded.summary()).toEqual(model.summary());
  });
});
