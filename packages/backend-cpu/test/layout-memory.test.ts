import { describe, expect, it } from 'vitest';
import cpuDefault, { cpu, createBackend } from '../src/index.js';
import { mulberry32, randomTensor, ravel, sizeOf, unravel } from './helpers.js';

describe('layout', () => {
  it('concat along every axis', () => {
    const rng = mulberry32(1);
    const be = cpu();
    for (let axis = 0; axis < 3; axis++) {
      const shapes = [3, 1, 5].map((d) => [2, 3, 4].map((v, i) => (i === axis ? d : v)));
      const xs = shapes.map((s) => randomTensor(rng, s));
      const out = [2, 3, 4].map((v, i) => (i === axis ? 9 : v));
      const ref = new Float32Array(sizeOf(out));
      for (let o = 0; o < ref.length; o++) {
        const idx = unravel(o, out);
        let p = idx[axis];
        let k = 0;
        while (p >= shapes[k][axis]) p -= shapes[k++][axis];
        idx[axis] = p;
        ref[o] = xs[k].data[ravel(idx, shapes[k])];
      }
      expect(Array.from(be.concat(xs, axis, out))).toEqual(Array.from(ref));
    }
  });

  it('slice', () => {
    const x = randomTensor(mulberry32(2), [4, 5, 6, 70]);
    const cases: [number[], number[]][] = [
      [
        [1, 0, 2, 0],
        [2, 5, 3, 70],
      ],
      [
        [0, 1, 0, 3],
        [4, 3, 6, 66],
      ],
      [
        [3, 4, 5, 69],
        [1, 1, 1, 1],
      ],
      [
        [0, 0, 0, 0],
        [4, 5, 6, 70],
      ],
    ];
    for (const [begin, size] of cases) {
      const ref = new Float32Array(sizeOf(size));
      for (let o = 0; o < ref.length; o++) {
        ref[o] =
          x.data[
            ravel(
              unravel(o, size).map((v, i) => v + begin[i]),
              x.shape,
            )
          ];
      }
      expect(Array.from(cpu().slice(x, begin, size))).toEqual(Array.from(ref));
    }
  });

  it('transpose', () => {
    const x = randomTensor(mulberry32(3), [2, 3, 4, 5]);
    const perms = [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [0, 3, 1, 2],
      [0, 2, 3, 1],
      [1, 0, 2, 3],
      [2, 0, 3, 1],
    ];
    for (const perm of perms) {
      const out = perm.map((p) => x.shape[p]);
      const ref = new Float32Array(sizeOf(out));
      for (let o = 0; o < ref.length; o++) {
        const oi = unravel(o, out);
        const xi = new Array<number>(4);
        perm.forEach((p, i) => {
          xi[p] = oi[i];
        });
        ref[o] = x.data[ravel(xi, x.shape)];
      }
      expect(Array.from(cpu().transpose(x, perm, out))).toEqual(Array.from(ref));
    }
  });

  it('pad with a constant', () => {
    const x = randomTensor(mulberry32(4), [2, 3, 4]);
    for (const [before, after, value] of [
      [[0, 1, 2], [1, 0, 3], 0],
      [[1, 1, 1], [1, 1, 1], -2.5],
      [[0, 0, 0], [0, 0, 0], 7],
    ] as [number[], number[], number][]) {
      const out = x.shape.map((d, i) => d + before[i] + after[i]);
      const ref = new Float32Array(sizeOf(out)).fill(value);
      for (let i = 0; i < x.data.length; i++) {
        ref[
          ravel(
            unravel(i, x.shape).map((v, d) => v + before[d]),
            out,
          )
        ] = x.data[i];
      }
      expect(Array.from(cpu().pad(x, before, after, value, out))).toEqual(Array.from(ref));
    }
  });
});

describe('memory', () => {
  it('exports the factory three ways, each call a fresh backend', () => {
    expect(createBackend).toBe(cpu);
    expect(cpuDefault).toBe(cpu);
    const a = cpu();
    const b = cpu();
    expect(a.name).toBe('cpu');
    a.upload(new Float32Array(3), [3]);
    expect(a.numBuffers()).toBe(1);
    expect(b.numBuffers()).toBe(0);
  });

  it('upload and read copy; dispose is idempotent; kernel outputs count', async () => {
    const be = cpu();
    const values = Float32Array.from([1, 2, 3, 4]);
    const data = be.upload(values, [2, 2]);
    values[0] = 99;
    expect(data[0]).toBe(1);
    const read = await be.read(data);
    read[1] = 99;
    expect(data[1]).toBe(2);
    const sync = be.readSync!(data);
    sync[2] = 99;
    expect(data[2]).toBe(3);
    expect(be.numBuffers()).toBe(1);

    const y = be.unary('neg', { data, shape: [2, 2] }, [2, 2]);
    const z = be.matMul({ data, shape: [2, 2] }, { data: y, shape: [2, 2] }, false, false, [2, 2]);
    expect(be.numBuffers()).toBe(3);
    be.dispose(y);
    be.dispose(y);
    expect(be.numBuffers()).toBe(2);
    be.dispose(z);
    be.dispose(data);
    expect(be.numBuffers()).toBe(0);
    be.dispose(new Float32Array(2)); // unknown buffer: no effect
    expect(be.numBuffers()).toBe(0);
  });
});
