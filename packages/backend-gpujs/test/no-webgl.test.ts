import { expect, it } from 'vitest';

// Its own test file, so its own worker process: gpu.js decides once per process whether headless-gl
// works. Without an X server, gpujs() must throw the error that says what to do, never fall back.
it('without an X server gpujs() throws an error naming xvfb-run and the apt packages', async () => {
  delete process.env.DISPLAY;
  const { gpujs } = await import('../src/index.js');
  let message = '';
  try {
    gpujs();
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toMatch(/WebGL is not available in Node/);
  expect(message).toMatch(/DISPLAY is not set/);
  expect(message).toMatch(/xvfb-run -a/);
  expect(message).toMatch(/libgl1-mesa-dev/);
  expect(message).toMatch(/never falls back/);
  // gpu.js's cpu mode still works when asked for, and says so in its name.
  expect(gpujs({ mode: 'cpu' }).name).toBe('gpujs-cpu');
});
