import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as cnn from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { gpujs, webglUnavailableError } from '../src/index.js';

// gl is gpu.js's optional dependency: resolve it where gpu.js does.
const gpuRequire = createRequire(createRequire(import.meta.url).resolve('gpu.js'));

describe('the WebGL path really runs', () => {
  it('the gl native module was built and creates a WebGL context with float textures', () => {
    // A failed gl build is silent at install: this fails then (module missing or no context).
    const createGL = gpuRequire('gl') as (
      w: number,
      h: number,
    ) => {
      getExtension(name: string): unknown;
      getParameter(p: number): unknown;
      VERSION: number;
    } | null;
    const gl = createGL(1, 1);
    expect(gl, 'gl(1, 1) returned null: no X server? run under xvfb-run -a').not.toBeNull();
    expect(gl!.getExtension('OES_texture_float')).toBeTruthy();
    expect(String(gl!.getParameter(gl!.VERSION))).toMatch(/WebGL 1/);
  });

  it("runs on headless-gl: mode 'headlessgl', gpu.js's HeadlessGLKernel, programs linked by the GL context", () => {
    const backend = gpujs();
    try {
      expect(backend.name).toBe('gpujs');
      expect(backend.mode).toBe('headlessgl');
      expect(backend.kernelClass).toBe('HeadlessGLKernel');
      expect(backend.info.renderer).toBe('ANGLE');
      expect(backend.info.maxTextureSize).toBeGreaterThanOrEqual(4096);
      cnn.setBackend(backend);
      const y = cnn.tidy(() =>
        cnn.matMul(cnn.tensor([1, 2, 3, 4], [2, 2]), cnn.tensor([5, 6, 7, 8], [2, 2])),
      );
      expect(Array.from(y.dataSync())).toEqual([19, 22, 43, 50]);
      y.dispose();
      // Real shader programs were linked (a gpu.js CPU fallback would link none).
      expect(backend.stats().programs).toBeGreaterThan(0);
    } finally {
      backend.destroy();
    }
  });

  it('is registered with core as gpujs', async () => {
    const entry = cnn.registeredBackends().find((b) => b.name === 'gpujs');
    expect(entry?.description).toBe('gpu.js kernels on WebGL (headless-gl in Node, WebGL2 in browsers)');
    const listed = (await cnn.listBackends()).find((b) => b.name === 'gpujs');
    expect(listed?.available).toBe(true);
  });

  it("gpu.js's cpu mode only on request, and labelled so", () => {
    const backend = gpujs({ mode: 'cpu' });
    expect(backend.name).toBe('gpujs-cpu');
    expect(backend.mode).toBe('cpu');
    expect(backend.kernelClass).toBe('CPUKernel');
    cnn.setBackend(backend);
    const y = cnn.tidy(() => cnn.relu(cnn.sub(cnn.tensor([1, 2, 3], [3]), 2)));
    expect(Array.from(y.dataSync())).toEqual([0, 0, 1]);
    y.dispose();
    expect(backend.numBuffers()).toBe(0);
  });

  it('rejects an unknown mode', () => {
    expect(() => gpujs({ mode: 'webasm' as never })).toThrow(/unknown mode 'webasm'/);
  });
});

describe('without WebGL: a clear error, never a silent fallback', () => {
  it('without an X server gpu.js cannot open headless-gl', () => {
    const env = { ...process.env };
    delete env.DISPLAY;
    const out = execFileSync(
      process.execPath,
      ['-e', "process.stdout.write(String(require('gpu.js').GPU.isHeadlessGLSupported))"],
      {
        env,
        cwd: fileURLToPath(new URL('.', import.meta.url)),
      },
    );
    expect(out.toString()).toBe('false');
  });

  it('the error says which packages, xvfb-run, and that it never falls back', () => {
    const noDisplay = webglUnavailableError('headlessgl', {}).message;
    expect(noDisplay).toMatch(/DISPLAY is not set/);
    expect(noDisplay).toMatch(/xvfb-run -a/);
    expect(noDisplay).toMatch(
      /apt-get install -y build-essential python3 pkg-config libx11-dev libxext-dev libxi-dev libgl1-mesa-dev/,
    );
    expect(noDisplay).toMatch(/allowBuilds: \{ gl: true \}/);
    expect(noDisplay).toMatch(/never falls back/);
    const noModule = webglUnavailableError('headlessgl', { display: ':99' }).message;
    expect(noModule).toMatch(/'gl' native module is probably missing/);
  });
});
