import { describe, expect, it } from 'vitest';
import * as cnn from '../src/index.js';

// Building a model needs no backend: shapes are inferred on the shape-only backend and weights are
// created lazily. These tests check the graph rules and the summary.
describe('building models', () => {
  it('LeNet-5 summary shows each output shape and the parameter counts', () => {
    const model = cnn.sequential(
      [28, 28, 1],
      [
        new cnn.Conv2D({ name: 'conv1', filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
        new cnn.MaxPool2D({ name: 'pool1', poolSize: 2 }),
        new cnn.Conv2D({ name: 'conv2', filters: 16, kernelSize: 5, activation: 'relu' }),
        new cnn.MaxPool2D({ name: 'pool2', poolSize: 2 }),
        new cnn.Flatten({ name: 'flatten' }),
        new cnn.Dense({ name: 'fc1', units: 120, activation: 'relu' }),
        new cnn.Dense({ name: 'fc2', units: 84, activation: 'relu' }),
        new cnn.Dense({ name: 'fc3', units: 10 }),
      ],
      { name: 'lenet5' },
    );
    const text = model.summary();
    expect(text).toContain('conv1 (Conv2D)');
    expect(text).toMatch(/conv1 \(Conv2D\)\s+\[batch,28,28,6\]\s+156/);
    expect(text).toMatch(/pool2 \(MaxPool2D\)\s+\[batch,5,5,16\]\s+0/);
    expect(text).toMatch(/fc1 \(Dense\)\s+\[batch,120\]\s+48120/);
    // LeCun's LeNet-5 with these layer sizes: 156 + 2416 + 48120 + 10164 + 850 = 61,706 weights.
    expect(model.countParams().total).toBe(61706);
    expect(text).toContain('Total params: 61,706');
  });

  it('a DAG with parallel branches joined by Concat and a skip joined by Add', () => {
    const x = cnn.input([8, 8, 4], 'x');
    const a = new cnn.Conv2D({ name: 'a', filters: 2, kernelSize: 1 }).apply(x);
    const b = new cnn.Conv2D({ name: 'b', filters: 3, kernelSize: 3, padding: 'same' }).apply(x);
    const joined = new cnn.Concat({ name: 'cat' }).apply(a, b);
    const back = new cnn.Conv2D({ name: 'proj', filters: 4, kernelSize: 1 }).apply(joined);
    const y = new cnn.Add({ name: 'skip' }).apply(back, x);
    const model = new cnn.Model({ inputs: x, outputs: y });
    expect(joined.shape).toEqual([8, 8, 5]);
    expect(model.layers.map((l) => l.name)).toEqual(['a', 'b', 'cat', 'proj', 'skip']);
  });

  it('shape mismatches are rejected when the layer is applied, with its name', () => {
    const x = cnn.input([8, 8, 4]);
    const a = new cnn.Conv2D({ filters: 2, kernelSize: 3 }).apply(x);
    expect(() => new cnn.Add({ name: 'bad_sum' }).apply(a, x)).toThrow(
      "layer 'bad_sum' (Add) cannot take input [batch,6,6,2], [batch,8,8,4]: add: all inputs must have the same shape",
    );
    expect(() => new cnn.Conv2D({ name: 'too_big', filters: 2, kernelSize: 9 }).apply(x)).toThrow(
      "layer 'too_big' (Conv2D) cannot take input [batch,8,8,4]: conv2d: output height would be 0",
    );
    expect(() => new cnn.Concat({ name: 'cat' }).apply(a, x)).toThrow(
      "layer 'cat' (Concat) cannot take input",
    );
  });

  it('dangling inputs and undeclared inputs are rejected', () => {
    const x = cnn.input([4], 'x');
    const z = cnn.input([4], 'z');
    const y = new cnn.Dense({ name: 'd', units: 2 }).apply(x);
    expect(() => new cnn.Model({ inputs: [x, z], outputs: y })).toThrow(
      "input 'z' is not connected to any output",
    );
    const w = new cnn.Dense({ name: 'e', units: 2 }).apply(z);
    expect(() => new cnn.Model({ inputs: x, outputs: w })).toThrow(
      "layer 'e' depends on input 'z' [batch,4], which is not among the model's inputs",
    );
  });

  it('cycles in a saved topology are rejected with the layer name', () => {
    const topology: cnn.ModelTopology = {
      format: 'cnn-model',
      version: 1,
      name: 'cyclic',
      seed: 1,
      inputs: ['x'],
      outputs: ['b'],
      layers: [
        { name: 'x', className: 'InputLayer', config: { shape: [4] }, inbound: [] },
        { name: 'a', className: 'Dense', config: { units: 4 }, inbound: ['b'] },
        { name: 'b', className: 'Dense', config: { units: 4 }, inbound: ['a'] },
      ],
      weights: [],
    };
    expect(() => cnn.modelFromTopology(topology)).toThrow(
      "load: layer 'a' reads 'b', which is not defined before it",
    );
  });

  it('the same seed gives the same initial weights', () => {
    const build = () =>
      cnn.sequential([6], [new cnn.Dense({ units: 3, kernelInitializer: 'heNormal' })], { seed: 7 });
    const a = build().variables[0]!.spec;
    expect(a.shape).toEqual([6, 3]);
    const draw = (seed: number) => cnn.initialize('heNormal', [6, 3], new cnn.Random(seed));
    expect(Array.from(draw(7))).toEqual(Array.from(draw(7)));
    expect(Array.from(draw(7))).not.toEqual(Array.from(draw(8)));
  });
});
