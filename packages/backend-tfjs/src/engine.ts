/**
 * The tfjs engines this backend runs on, and how each is loaded and selected.
 *
 * tfjs keeps one global engine with one active backend. Several of our backends may live in one program
 * (e.g. `tfjs-cpu` and `tfjs-wasm` side by side), so every kernel first makes its own engine the active one
 * (`activate`); switching to an initialised tfjs backend is synchronous.
 */

import * as tf from '@tensorflow/tfjs-core';

export type Engine = 'cpu' | 'wasm' | 'webgl';

export const engines: readonly Engine[] = ['cpu', 'wasm', 'webgl'];

/** Each engine's package is loaded only when asked for: wasm is not fetched in a browser using webgl. */
const loaders: Record<Engine, () => Promise<unknown>> = {
  cpu: () => import('@tensorflow/tfjs-backend-cpu'),
  wasm: () => import('@tensorflow/tfjs-backend-wasm'),
  webgl: () => import('@tensorflow/tfjs-backend-webgl'),
};

/** What to do when an engine cannot start. */
const remedies: Record<Engine, string> = {
  cpu: 'check that @tensorflow/tfjs-backend-cpu 4.22.0 is installed next to @tensorflow/tfjs-core 4.22.0',
  wasm: "its .wasm binaries were not found or WebAssembly is unavailable. In a bundled web app, serve the tfjs-backend-wasm*.wasm files of @tensorflow/tfjs-backend-wasm/dist and call setWasmPaths('<their URL>/') from @tensorflow/tfjs-backend-wasm before tfjsWasm(); or use tfjsCpu()",
  webgl:
    'no WebGL context could be created (not a browser, WebGL disabled, or no GPU). Run in a browser with WebGL (headless Chromium: --enable-unsafe-swiftshader), or use tfjsWasm() / tfjsCpu()',
};

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Loads and initialises one engine; throws an error naming the engine and the remedy when it cannot. */
export async function initEngine(engine: Engine): Promise<void> {
  if (!engines.includes(engine)) {
    throw new Error(`backend-tfjs: unknown tfjs engine '${engine}'; expected one of ${engines.join(', ')}`);
  }
  try {
    await loaders[engine]();
  } catch (error) {
    throw new Error(
      `tfjs-${engine}: cannot load @tensorflow/tfjs-backend-${engine} (${messageOf(error)}); ${remedies[engine]}`,
    );
  }
  let ok = false;
  let cause = '';
  try {
    ok = await tf.setBackend(engine);
  } catch (error) {
    cause = ` (${messageOf(error)})`;
  }
  if (!ok)
    throw new Error(
      `tfjs-${engine}: the tfjs '${engine}' engine failed to initialise${cause}: ${remedies[engine]}`,
    );
  if (engine === 'cpu') silenceNodeBanner();
}

/**
 * tfjs-cpu prints a banner on its first write in Node recommending tfjs-node. That package is not an
 * option here (it downloads native binaries), so the banner is pre-empted by marking the first use done.
 */
function silenceNodeBanner(): void {
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
}

/** Makes `engine` tfjs's active backend. It must have been initialised (then this is synchronous). */
export function activate(engine: Engine): void {
  if (tf.getBackend() !== engine) void tf.setBackend(engine);
}
