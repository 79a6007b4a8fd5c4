import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { tfjs, tfjsCpu, tfjsWasm, tfjsWebgl } from '../src/index.js';

// An engine that cannot start fails with an error naming it and saying what to do; the others still work.
describe('engine initialisation errors', () => {
  it('webgl in Node: no WebGL context', async () => {
    await expect(tfjsWebgl()).rejects.toThrow(/^tfjs-webgl: .*no WebGL context.*tfjsWasm\(\) \/ tfjsCpu\(\)/);
  });

  it('wasm without its .wasm files', async () => {
    setWasmPaths('/nonexistent/');
    await expect(tfjsWasm()).rejects.toThrow(/^tfjs-wasm: .*\.wasm .*setWasmPaths/);
  });

  it('an unknown engine', async () => {
    await expect(tfjs('metal' as 'cpu')).rejects.toThrow("unknown tfjs engine 'metal'");
  });

  it('webgpu where there is no navigator.gpu (Node)', async () => {
    await expect(tfjs('webgpu')).rejects.toThrow(
      /^tfjs-webgpu: navigator\.gpu is missing; .*--enable-unsafe-webgpu/,
    );
  });

  it('the cpu engine still works after those failures', async () => {
    const backend = await tfjsCpu();
    expect(backend.name).toBe('tfjs-cpu');
    const x = backend.upload(new Float32Array([1, -2]), [2]);
    const y = backend.unary('abs', { shape: [2], data: x }, [2]);
    expect(Array.from(backend.readSync!(y))).toEqual([1, 2]);
    backend.dispose(x);
    backend.dispose(y);
    expect(backend.numBuffers()).toBe(0);
  });
});
