/**
 * The TensorFlow.js backend: every kernel of core's `Backend` interface on @tensorflow/tfjs-core 4.22 ops,
 * running on a tfjs engine chosen at run time: `cpu` or `wasm` (Node and browsers), `webgl` or `webgpu`
 * (browsers).
 *
 * Kernels live in `kernels/` (one file per family); where an engine lacks a kernel or tfjs's semantics differ
 * from ours, the kernel is composed from other tfjs ops (the README lists every composition).
 */

import { registerBackend } from '@cnn/core';
import { createTfjsBackend, type TfjsBackend } from './backend.js';
import { type Engine, type EngineOptions, engines, initEngine } from './engine.js';

export type { TfjsBackend } from './backend.js';
export { type Engine, type EngineOptions, enginePackages } from './engine.js';

/**
 * A backend on the given tfjs engine, named `tfjs-<engine>`. Fails, naming the engine, if it cannot start
 * (and naming the package to install when the engine's package is missing). In a bundled web app, give the
 * wasm engine the URL of its `.wasm` files: `tfjs('wasm', { wasmPaths: '/wasm/' })`.
 */
export async function tfjs(engine: Engine, options: EngineOptions = {}): Promise<TfjsBackend> {
  await initEngine(engine, options);
  return createTfjsBackend(engine);
}

/** tfjs's plain-JavaScript engine (@tensorflow/tfjs-backend-cpu). */
export const tfjsCpu = (): Promise<TfjsBackend> => tfjs('cpu');
/** tfjs's WebAssembly engine (@tensorflow/tfjs-backend-wasm, SIMD, one thread in Node). */
export const tfjsWasm = (options: EngineOptions = {}): Promise<TfjsBackend> => tfjs('wasm', options);
/** tfjs's WebGL engine (@tensorflow/tfjs-backend-webgl); browsers only. */
export const tfjsWebgl = (): Promise<TfjsBackend> => tfjs('webgl');
/** tfjs's WebGPU engine (@tensorflow/tfjs-backend-webgpu); browsers with WebGPU (`navigator.gpu`) only. */
export const tfjsWebgpu = (): Promise<TfjsBackend> => tfjs('webgpu');

/** The factory the conformance CLI and `describeBackend` look for: `tfjsCpu`. */
export const createBackend = tfjsCpu;
export default tfjsCpu;

// Importing this package makes `await useBackend('tfjs-wasm')` (and the other engines) work.
const descriptions: Record<Engine, string> = {
  cpu: "TensorFlow.js's plain-JavaScript engine",
  wasm: "TensorFlow.js's WebAssembly engine (XNNPACK, SIMD)",
  webgl: "TensorFlow.js's WebGL engine (browsers)",
  webgpu: "TensorFlow.js's WebGPU engine (browsers with navigator.gpu)",
};
for (const engine of engines) {
  registerBackend({ name: `tfjs-${engine}`, create: () => tfjs(engine), description: descriptions[engine] });
}
