import { cpu } from '@cnn/backend-cpu';
import { elementBound, tolerances } from '@cnn/conformance';
import * as cnn from '@cnn/core';
import * as ort from 'onnxruntime-web';

// One wasm thread: the machine is shared, and results must not depend on a thread count.
ort.env.wasm.numThreads = 1;

export { ort };

/** Runs an .onnx file in onnxruntime-web (wasm) on named float32 inputs; returns every output. */
export async function runOrt(
  bytes: Uint8Array,
  feeds: Record<string, { data: Float32Array; dims: number[] }>,
): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', t.data, t.dims);
    const out = await session.run(inputs);
    const result: Record<string, { data: Float32Array; dims: number[] }> = {};
    for (const [name, t] of Object.entries(out))
      result[name] = { data: t.data as Float32Array, dims: [...t.dims] };
    return result;
  } finally {
    await session.release();
  }
}

/** NHWC data of shape [n, h, w, c] as NCHW. */
export function nhwcToNchw(data: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n!; b++)
    for (let y = 0; y < h!; y++)
      for (let x = 0; x < w!; x++)
        for (let k = 0; k < c!; k++)
          out[((b * c! + k) * h! + y) * w! + x] = data[((b * h! + y) * w! + x) * c! + k]!;
  return out;
}

/** NCHW data of shape [n, c, h, w] as NHWC. */
export function nchwToNhwc(data: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n!; b++)
    for (let k = 0; k < c!; k++)
      for (let y = 0; y < h!; y++)
        for (let x = 0; x < w!; x++)
          out[((b * h! + y) * w! + x) * c! + k] = data[((b * c! + k) * h! + y) * w! + x]!;
  return out;
}

/** Seeded uniform values in [-1, 1). */
export function randomData(size: number, seed: number): Float32Array {
  const random = new cnn.Random(seed);
  return Float32Array.from({ length: size }, () => random.next() * 2 - 1);
}

/**
 * The worst |ours - ref| and the worst ratio to the conformance bound (packages/conformance's
 * tolerance.ts, the 'cpu' class: `u·(16·|ref| + 4·√K·S)`, S the largest |ref|), K the terms an output
 * element can sum (every input element and weight of the network, as the network fixtures use).
 */
export function agreement(ours: ArrayLike<number>, ref: ArrayLike<number>, terms: number) {
  if (ours.length !== ref.length) throw new Error(`lengths differ: ${ours.length} vs ${ref.length}`);
  let scale = 0;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]!));
  let worst = 0;
  let worstRatio = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ours[i]! - ref[i]!);
    const bound = elementBound(tolerances.cpu, ref[i]!, scale, terms);
    worst = Math.max(worst, d);
    worstRatio = Math.max(worstRatio, d / bound);
    if (!(d <= bound)) return { worst: d, ratio: d / bound, pass: false, index: i };
  }
  return { worst, ratio: worstRatio, pass: true, index: -1 };
}

/** Selects the CPU backend (the fast one; the reference backend is float64 and would not be bit-comparable). */
export function useCpu(): cnn.Backend {
  const backend = cpu();
  cnn.setBackend(backend);
  return backend;
}

/** Random running statistics, so BatchNorm is not the identity it is at initialization. */
export function randomizeStatistics(model: cnn.Model, seed: number): void {
  const random = new cnn.Random(seed);
  for (const v of model.variables) {
    if (!/movingMean|movingVariance|gamma|beta/.test(v.name)) continue;
    const n = v.spec.shape.reduce((a, b) => a * b, 1);
    const variance = v.name.endsWith('movingVariance');
    const gamma = v.name.endsWith('gamma');
    v.assign(
      cnn.tensor(
        Float32Array.from({ length: n }, () =>
          variance || gamma ? 0.5 + random.next() : random.next() - 0.5,
        ),
        v.spec.shape,
      ),
    );
  }
}
