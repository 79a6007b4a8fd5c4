import '@cnn/backend-cpu';
import '@cnn/backend-gpujs';
import '@cnn/backend-tfjs';
import { type Backend, initBackend, registeredBackends } from '@cnn/core';

/**
 * The backends the app can run on: whatever the backend packages it depends on registered in core's
 * registry (the reference backend is for correctness checks, not training runs).
 */
export const backendNames = registeredBackends()
  .map((b) => b.name)
  .filter((name) => name !== 'reference');

export async function createBackend(name: string): Promise<Backend> {
  if (!backendNames.includes(name)) {
    throw new Error(`unknown backend '${name}' (choose one of: ${backendNames.join(', ')})`);
  }
  try {
    return await initBackend(name);
  } catch (error) {
    throw new Error(`backend '${name}' is not available here: ${(error as Error).message}`);
  }
}
