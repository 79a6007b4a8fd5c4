/**
 * The tfjs engines this backend runs on, and how each is loaded and selected.
 *
 * tfjs keeps one global engine with one active backend. Several of our backends may live in one program
 * (e.g. `tfjs-cpu` and `tfjs-wasm` side by side), so every kernel first makes its own engine the active one
 * (`activate`); switching to an initialised tfjs backend is synchronous.
 */

import * as tf from '@tensorflow/tfjs-core';

/** A tfjs engine: `'cpu'` and `'wasm'` (Node and browsers), `'webgl'` and `'webgpu'` (browsers). */
export type Engine = 'cpu' | 'wasm' | 'webgl' | 'webgpu';

export const engines: readonly Engine[] = ['cpu', 'wasm', 'webgl', 'webgpu'];

/** The npm package of each engine: an optional peer dependency, installed next to @tensorflow/tfjs-core. */
export const enginePackages: Record<Engine, string> = {
  cpu: '@tensorflow/tfjs-backend-cpu',
  wasm: '@tensorflow/tfjs-backend-wasm',
  webgl: '@tensorflow/tfjs-backend-webgl',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
};

/**
 * Each engine's package is loaded only when asked for: wasm is not fetched in a browser using webgl. (The
 * specifiers are literal so that bundlers can split each engine into its own chunk.)
 */
const loaders: Record<Engine, () => Promise<unknown>> = {
  cpu: () => import('@tensorflow/tfjs-backend-cpu'),
  wasm: () => import('@tensorflow/tfjs-backend-wasm'),
  webgl: () => import('@tensorflow/tfjs-backend-webgl'),
  webgpu: () => import('@tensorflow/tfjs-backend-webgpu'),
};

/** Options of `tfjs(engine, options)`. */
export interface EngineOptions {
  /**
   * wasm engine: where its `tfjs-backend-wasm*.wasm` files are served, as a URL prefix ending in `/` or a
   * map from file name to URL (handed to `setWasmPaths` of @tensorflow/tfjs-backend-wasm before the engine
   * starts). Needed in bundled web apps; Node finds the files itself. Ignored by the other engines.
   */
  wasmPaths?: string | Record<string, string>;
}

/** What to do when an engine cannot start. */
const remedies: Record<Engine, string> = {
  cpu: 'check that @tensorflow/tfjs-backend-cpu is installed in the same version as @tensorflow/tfjs-core',
  wasm: "its .wasm binaries were not found or WebAssembly is unavailable. In a bundled web app, serve the tfjs-backend-wasm*.wasm files of @tensorflow/tfjs-backend-wasm/dist and pass their URL: tfjs('wasm', { wasmPaths: '<their URL>/' }) (or call setWasmPaths from @tensorflow/tfjs-backend-wasm before tfjsWasm()); or use tfjsCpu()",
  webgl:
    'no WebGL context could be created (not a browser, WebGL disabled, or no GPU). Run in a browser with WebGL (headless Chromium: --enable-unsafe-swiftshader), or use tfjsWasm() / tfjsCpu()',
  webgpu:
    'this browser has no WebGPU (navigator.gpu is missing: not a browser, WebGPU disabled, or a page that is not a secure context; headless Chromium needs --enable-unsafe-webgpu and a page from localhost), or no adapter was found. Use tfjsWebgl() or tfjsWasm()',
};

/** Whether a failed import means the package is not installed (Node, bundlers' runtime, browsers). */
function isMissing(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = messageOf(error);
  return (
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'MODULE_NOT_FOUND' ||
    (message.includes(name) && /cannot find|failed to resolve|not found|could not resolve/i.test(message))
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Loads and initialises one engine; throws an error naming the engine and the remedy when it cannot. */
export async function initEngine(engine: Engine, options: EngineOptions = {}): Promise<void> {
  if (!engines.includes(engine)) {
    throw new Error(`backend-tfjs: unknown tfjs engine '${engine}'; expected one of ${engines.join(', ')}`);
  }
  const name = enginePackages[engine];
  // tfjs-webgpu's own check only warns (and its import pulls in the whole engine): refuse here instead.
  if (engine === 'webgpu' && !(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) {
    throw new Error(`tfjs-webgpu: navigator.gpu is missing; ${remedies.webgpu}`);
  }
  let module: unknown;
  try {
    module = await loaders[engine]();
  } catch (error) {
    if (isMissing(error, name))
      throw new Error(
        `tfjs-${engine}: ${name} is not installed. It is an optional peer dependency of @cnn/backend-tfjs: ` +
          `install it next to @tensorflow/tfjs-core, in the same version (npm install ${name}@${tf.version_core}).`,
      );
    throw new Error(`tfjs-${engine}: cannot load ${name} (${messageOf(error)}); ${remedies[engine]}`);
  }
  if (engine === 'wasm' && options.wasmPaths !== undefined) {
    const { setWasmPaths } = module as { setWasmPaths: (paths: string | Record<string, string>) => void };
    setWasmPaths(options.wasmPaths);
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
