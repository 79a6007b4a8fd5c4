import * as cnn from '@cnn/core';
import { optionalKernelNames } from '@cnn/core';
import { describe, expect, it } from 'vitest';
import defaultExport, { createBackend, reference } from '../src/index.js';
import { expectValues, random, rng } from './helpers.js';

describe('the backend object', () => {
  it("is named 'reference', exported three ways and registered with core on import", () => {
    expect(reference().name).toBe('reference');
    expect(createBackend).toBe(reference);
    expect(defaultExport).toBe(reference);
    expect(cnn.registeredBackends().map((b) => b.name)).toContain('reference');
  });

  it('implements only the required kernels: core composes every optional one', () => {
    const b = reference() as unknown as Record<string, unknown>;
    for (const name of optionalKernelNames) expect(b[name], name).toBeUndefined();
    const required = [
      'matMul',
      'conv2d',
      'conv2dBackpropInput',
      'conv2dBackpropFilter',
      'maxPool',
      'maxPoolBackprop',
      'avgPool',
      'avgPoolBackprop',
      'binary',
      'unary',
      'activation',
      'reduce',
      'concat',
      'slice',
      'transpose',
      'pad',
    ];
    for (const name of required) expect(typeof b[name], name).toBe('function');
  });

  it('memory: upload copies, reads hand out copies, numBuffers counts uploads and outputs until disposed', async () => {
    const b = reference();
    const values = Float32Array.of(1, 2, 3);
    const data = b.upload(values, [3]);
    values[0] = 100;
    expect(Array.from(b.readSync!(data))).toEqual([1, 2, 3]);
    const read = await b.read(data);
    read[1] = -1;
    expect(Array.from(await b.read(data))).toEqual([1, 2, 3]);
    expect(b.numBuffers()).toBe(1);

    const y = b.unary('neg', { shape: [3], data }, [3]);
    expect(b.numBuffers()).toBe(2);
    b.dispose(data);
    expect(b.numBuffers()).toBe(1);
    b.dispose(y);
    expect(b.numBuffers()).toBe(0);
    // Each instance keeps its own count.
    expect(reference().numBuffers()).toBe(0);
  });

  it('no kernel mutates or aliases its inputs, and the same inputs give the same bits', () => {
    const b = reference();
    const next = rng(5);
    const x = random([1, 4, 4, 2], next);
    const w = random([3, 3, 2, 2], next);
    const dy = random([1, 4, 4, 2], next);
    const m = random([2, 3], next);
    const snapshot = [x, w, dy, m].map((k) => Float32Array.from(k.data));
    const conv = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 } as const;
    const pool = { kernel: [2, 2], strides: [1, 1], pads: [0, 0, 1, 1], dilations: [1, 1] } as const;
    const runAll = () => [
      b.matMul(m, m, false, true, [2, 2]),
      b.conv2d(x, w, conv, [1, 4, 4, 2]),
      b.conv2dBackpropInput(dy, w, conv, [1, 4, 4, 2]),
      b.conv2dBackpropFilter(x, dy, conv, [3, 3, 2, 2]),
      b.maxPool(x, pool, [1, 4, 4, 2]),
      b.maxPoolBackprop(dy, x, pool, [1, 4, 4, 2]),
      b.avgPool(x, { ...pool, countIncludePad: true }, [1, 4, 4, 2]),
      b.avgPoolBackprop(dy, { ...pool, countIncludePad: false }, [1, 4, 4, 2]),
      b.binary('add', x, w, [3, 4, 3, 2]),
      b.unary('exp', x, x.shape),
      b.activation(x, { kind: 'gelu', approximate: 'none' }, x.shape),
      b.reduce('mean', x, [1, 2], [1, 1, 1, 2]),
      b.reduce('sum', x, [], x.shape),
      b.concat([m, m], 0, [4, 3]),
      b.slice(x, [0, 1, 1, 0], [1, 2, 2, 2]),
      b.transpose(m, [1, 0], [3, 2]),
      b.pad(m, [1, 0], [0, 1], 0, [3, 4]),
    ];
    const first = runAll();
    const second = runAll();
    [x, w, dy, m].forEach((k, i) => {
      expect(k.data).toEqual(snapshot[i]);
    });
    first.forEach((out, i) => {
      expect(out).toBeInstanceOf(Float32Array);
      for (const input of [x, w, dy, m]) expect(out).not.toBe(input.data);
      expect(Buffer.from(out.buffer).equals(Buffer.from(second[i]!.buffer)), `kernel ${i}`).toBe(true);
    });
    // reduce over no axes is a copy, not the input itself.
    expect(first[12]).toEqual(x.data);
  });

  it('runs core ops end to end, optional kernels composed by core', async () => {
    cnn.setBackend('reference');
    expect(cnn.getBackend().name).toBe('reference');
    const before = cnn.memory().numTensors;
    const logits = cnn.tensor([1, 2, 3], [1, 3]);
    const probabilities = cnn.softmax(logits);
    const sum = Math.exp(1) + Math.exp(2) + Math.exp(3);
    expectValues(await probabilities.data(), [Math.exp(1) / sum, Math.exp(2) / sum, Math.exp(3) / sum], 1e-7);
    const x = cnn.tensor([1, 2, 3, 4], [1, 2, 2, 1]);
    const dx = cnn.grad((v) => cnn.sum(cnn.square(v)))(x);
    expectValues(await dx.data(), [2, 4, 6, 8]);
    for (const tensor of [logits, probabilities, x, dx]) tensor.dispose();
    expect(cnn.memory().numTensors).toBe(before);
  });
});
