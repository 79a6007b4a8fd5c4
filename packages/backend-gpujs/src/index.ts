/**
 * @cnn/backend-gpujs: core's Backend on gpu.js kernels over WebGL (headless-gl in Node, WebGL2 in
 * browsers). Importing this package registers the backend 'gpujs' with core, so `setBackend('gpujs')`,
 * the conformance CLI (`--backend gpujs`) and the apps offer it.
 */

import { registerBackend } from '@cnn/core';
import { gpujs } from './backend.js';

export { type GpujsBackend, type GpujsOptions, gpujs } from './backend.js';
export type { GpuData, GpujsMode, Page, RuntimeOptions, RuntimeStats } from './runtime.js';
export { MAX_ELEMENTS, pageCapacity, webglUnavailableError } from './runtime.js';

/** The factory the conformance CLI and `describeBackend` look for: the same as `gpujs`. */
export const createBackend = gpujs;
export default gpujs;

registerBackend({
  name: 'gpujs',
  create: () => gpujs(),
  priority: 1,
  description: 'gpu.js kernels on WebGL (headless-gl in Node, WebGL2 in browsers)',
});
