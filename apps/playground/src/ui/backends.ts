/**
 * The backend picker's data: which backends exist comes from core's registry (`registeredBackends`,
 * `listBackends`), filled by importing the backend packages. Only the CPU backend is in the first chunk; the
 * others (gpu.js, TensorFlow.js and each of its engines) are dynamic imports, loaded after the page is up.
 */
import * as cnn from '@cnn/core';

/** The backend packages this app can load, each a separate chunk. Importing one registers its backends. */
export const backendPackages: { name: string; load: () => Promise<void> }[] = [
  { name: '@cnn/backend-cpu', load: async () => void (await import('@cnn/backend-cpu')) },
  { name: '@cnn/backend-gpujs', load: async () => void (await import('@cnn/backend-gpujs')) },
  {
    name: '@cnn/backend-tfjs',
    load: async () => {
      const tfjs = await import('@cnn/backend-tfjs');
      // The wasm engine's binaries are served by this app (copied at build time): tell the engine where.
      const wasm = cnn.registeredBackends().find((b) => b.name === 'tfjs-wasm');
      const wasmPaths = new URL('generated/tfjs-wasm/', document.baseURI).href;
      cnn.registerBackend({
        name: 'tfjs-wasm',
        create: async () => {
          const [tf] = await Promise.all([
            import('@tensorflow/tfjs-core'),
            import('@tensorflow/tfjs-backend-wasm'),
          ]);
          // tfjs-wasm's threaded build starts its workers from an inline script that fails once bundled here
          // ("e is not defined" in the worker; the engine never resolves): use the single-thread SIMD build.
          tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
          return tfjs.tfjs('wasm', { wasmPaths });
        },
        description: wasm?.description ?? "TensorFlow.js's WebAssembly engine",
        priority: wasm?.priority ?? 0,
      });
    },
  },
];

/** A backend as the picker shows it. */
export interface PickerEntry {
  name: string;
  description: string;
  /** null while it has not been tried yet. */
  available: boolean | null;
  reason?: string;
}

/** Loads every backend package (a failed load is reported as a row naming the package). */
export async function loadBackendPackages(): Promise<PickerEntry[]> {
  const failed: PickerEntry[] = [];
  for (const p of backendPackages) {
    try {
      await p.load();
    } catch (error) {
      failed.push({
        name: p.name,
        description: 'package',
        available: false,
        reason: (error as Error).message,
      });
    }
  }
  return failed;
}

/**
 * Every registered backend (core's registry), started here to learn whether it works and why not; one that
 * does not start within `timeoutMs` is reported so instead of holding up the others. (`listBackends` does
 * the same without a time limit.)
 */
export async function probeBackends(
  timeoutMs = 30_000,
  onEach?: (entry: PickerEntry) => void,
): Promise<PickerEntry[]> {
  const out: PickerEntry[] = [];
  for (const b of cnn.registeredBackends()) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`did not start within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    let entry: PickerEntry;
    try {
      await Promise.race([cnn.initBackend(b.name), timeout]);
      entry = { name: b.name, description: b.description, available: true };
    } catch (error) {
      entry = {
        name: b.name,
        description: b.description,
        available: false,
        reason: (error as Error).message,
      };
    } finally {
      clearTimeout(timer);
    }
    out.push(entry);
    onEach?.(entry);
  }
  return out;
}
