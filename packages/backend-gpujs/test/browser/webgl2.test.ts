import { reference } from '@cnn/backend-reference';
import { describeBackend } from '@cnn/conformance/vitest';
import * as cnn from '@cnn/core';
import { expect, inject, it } from 'vitest';
import { gpujs } from '../../src/index.js';

it("runs on WebGL2 in the browser: mode 'webgl2', gpu.js's WebGL2Kernel, programs linked", () => {
  const backend = gpujs();
  try {
    expect(backend.name).toBe('gpujs');
    expect(backend.mode).toBe('webgl2');
    expect(backend.kernelClass).toBe('WebGL2Kernel');
    expect(backend.info.version).toMatch(/WebGL 2/);
    cnn.setBackend(backend);
    const y = cnn.tidy(() => cnn.matMul(cnn.tensor([1, 2, 3, 4], [2, 2]), cnn.tensor([5, 6, 7, 8], [2, 2])));
    expect(Array.from(y.dataSync())).toEqual([19, 22, 43, 50]);
    y.dispose();
    expect(backend.stats().programs).toBeGreaterThan(0);
  } finally {
    backend.destroy();
  }
});

// The whole conformance suite on WebGL2 in headless Chromium (SwiftShader), the reference backend as the
// differential reference; fixtures come from Node (global-setup.ts).
describeBackend('gpujs-webgl2', () => gpujs({ mode: 'webgl2' }), {
  tolerance: 'webgl',
  reference,
  fixtures: inject('conformanceFixtures'),
});
