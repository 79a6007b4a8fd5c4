import type { Backend } from '@cnn/core';

/**
 * The backends the app can run on, by CLI name. Each is loaded only when asked for, so a backend whose
 * package (or native/WebGL support) is missing fails with a message instead of breaking the others.
 */
const backends: Record<string, { module: string; factory: string }> = {
  cpu: { module: '@cnn/backend-cpu', factory: 'cpu' },
  'tfjs-cpu': { module: '@cnn/backend-tfjs', factory: 'tfjsCpu' },
  'tfjs-wasm': { module: '@cnn/backend-tfjs', factory: 'tfjsWasm' },
};

export const backendNames = Object.keys(backends);

export async function createBackend(name: string): Promise<Backend> {
  const entry = backends[name];
  if (!entry) throw new Error(`unknown backend '${name}' (choose one of: ${backendNames.join(', ')})`);
  let mod: Record<string, unknown>;
  try {
    mod = await import(entry.module);
  } catch (error) {
    throw new Error(
      `backend '${name}' is not available: cannot load ${entry.module} (${(error as Error).message})`,
    );
  }
  const factory = mod[entry.factory] as () => Backend | Promise<Backend>;
  return factory();
}
