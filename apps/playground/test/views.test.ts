// The views' numbers against the library itself on the reference backend (@cnn/backend-reference, naive
// float64 loops): the formula against the layers' real output shapes, the dot product, im2col and max-pool
// choices against the conv and pool outputs the model computes.
import '@cnn/backend-reference';
import * as cnn from '@cnn/core';
import { lenet5 } from '@cnn/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeGeometry, outputSizeFormula } from '../src/logic/geometry.js';
import { im2col } from '../src/logic/im2col.js';
import { maxPoolChoice } from '../src/logic/pooling.js';
import { type LayerOutput, Session } from '../src/logic/session.js';
import { convDotProduct } from '../src/logic/window.js';

function randomImage(n: number, seed: number): Float32Array {
  const r = new cnn.Random(seed);
  return Float32Array.from({ length: n }, () => r.next());
}

describe('geometry and the output-size formula', () => {
  it("gives every LeNet-5 conv and pool layer's real output size", () => {
    const model = lenet5({ seed: 3 });
    const windowed = model.nodes.map(nodeGeometry).filter((g) => g !== null);
    expect(windowed.map((g) => g.layerName)).toEqual(['conv1', 'pool1', 'conv2', 'pool2']);
    for (const g of windowed) {
      for (const axis of outputSizeFormula(g)) expect(axis.computed).toBe(axis.actual);
    }
    const [h] = outputSizeFormula(windowed[0]!);
    expect(h!.text).toBe('(28 + 2·2 − 5) / 1 + 1 = 27 + 1 = 28');
    expect(outputSizeFormula(windowed[1]!)[0]!.text).toBe('(28 + 2·0 − 2) / 2 + 1 = 13 + 1 = 14');
  });

  it('handles strides that do not divide, asymmetric pads, dilation and ceil mode', () => {
    const cases: cnn.Layer[] = [
      new cnn.Conv2D({ name: 'c1', filters: 2, kernelSize: 3, strides: 2, padding: [0, 1, 1, 0] }),
      new cnn.Conv2D({ name: 'c2', filters: 2, kernelSize: [3, 2], strides: [3, 2], dilations: 2 }),
      new cnn.MaxPool2D({ name: 'p1', poolSize: 3, strides: 2, ceilMode: true }),
      new cnn.Conv2D({ name: 'c3', filters: 1, kernelSize: 3, strides: 2, padding: 'same' }),
    ];
    for (const layer of cases) {
      const model = cnn.sequential([11, 10, 1], [layer]);
      const g = nodeGeometry(model.nodes[1]!)!;
      for (const axis of outputSizeFormula(g))
        expect(axis.computed, `${layer.name} ${axis.axis}`).toBe(axis.actual);
    }
  });
});

describe('inside a conv and a pool layer, on the reference backend', () => {
  let session: Session;
  let outputs: LayerOutput[];
  const image = randomImage(28 * 28, 7);
  beforeAll(async () => {
    // conv1 without activation, so the layer output is the dot product itself; conv2 keeps relu.
    const build = () =>
      cnn.sequential(
        [28, 28, 1],
        [
          new cnn.Conv2D({ name: 'conv1', filters: 3, kernelSize: 5, padding: 2, biasInitializer: 'ones' }),
          new cnn.MaxPool2D({ name: 'pool1', poolSize: 2 }),
          new cnn.Conv2D({ name: 'conv2', filters: 4, kernelSize: 3, strides: 2, activation: 'relu' }),
        ],
        { seed: 5 },
      );
    session = await Session.create('reference', build, { train: null, test: null });
    outputs = await session.layerOutputs(image);
  });

  it("the dot product of a window and the filter is the layer's output there (padding cells read 0)", async () => {
    const g = nodeGeometry(session.model.nodes[1]!)!;
    const w = await session.layerWeights('conv1');
    const conv1 = outputs[1]!;
    for (const [oy, ox, f] of [
      [0, 0, 0],
      [13, 20, 1],
      [27, 27, 2],
    ] as const) {
      const dot = convDotProduct(g, image, w.get('kernel')!.values, w.get('bias')!.values, oy, ox, f);
      expect(dot.terms).toHaveLength(25);
      expect(dot.bias).toBe(1);
      expect(dot.total).toBeCloseTo(conv1.values[(oy * 28 + ox) * 3 + f]!, 5);
      if (oy === 0) expect(dot.terms.filter((t) => t.padding)).toHaveLength(25 - 9);
    }
  });

  it('im2col · weights gives every output of a strided conv (after relu)', async () => {
    const g = nodeGeometry(session.model.nodes[3]!)!;
    const w = await session.layerWeights('conv2');
    const pooled = outputs[2]!.values;
    const m = im2col(g, pooled, w.get('kernel')!.values, w.get('bias')!.values);
    expect([m.rows, m.inner, m.cols]).toEqual([36, 27, 4]);
    const conv2 = outputs[3]!.values;
    for (let i = 0; i < conv2.length; i++) expect(Math.max(0, m.product[i]!)).toBeCloseTo(conv2[i]!, 5);
  });

  it("max pooling's chosen cell holds the pooled value", () => {
    const g = nodeGeometry(session.model.nodes[2]!)!;
    const conv1 = outputs[1]!.values;
    const pool1 = outputs[2]!.values;
    for (let oy = 0; oy < 14; oy += 3) {
      for (let ox = 0; ox < 14; ox += 5) {
        for (let c = 0; c < 3; c++) {
          const choice = maxPoolChoice(g, conv1, oy, ox, c);
          expect(choice.cells).toHaveLength(4);
          expect(choice.value).toBe(pool1[(oy * 14 + ox) * 3 + c]);
          const [r, col] = choice.cells[choice.winner]!;
          expect(conv1[(r * 28 + col) * 3 + c]).toBe(choice.value);
        }
      }
    }
  });

  it('refuses an output pixel outside the layer, naming it', async () => {
    const g = nodeGeometry(session.model.nodes[1]!)!;
    const w = await session.layerWeights('conv1');
    expect(() => convDotProduct(g, image, w.get('kernel')!.values, null, 28, 0, 0)).toThrow(
      /output pixel \[28, 0\] filter 0 is outside \[28, 28, 3\]/,
    );
  });
});
