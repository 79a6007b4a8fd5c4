import type { Backend } from '@cnn/core';

/** Short names for the backends of this repository. */
const knownBackends: Record<string, string> = {
  cpu: '@cnn/backend-cpu',
};

/**
 * Turns `--backend` into a backend factory: a short name (`cpu`), a package name or a path to a module.
 * The module must export `createBackend()` (or a default export) returning a Backend.
 */
export async function resolveBackend(
  spec: string,
): Promise<{ name: string; create: () => Backend | Promise<Backend> }> {
  const target = knownBackends[spec] ?? spec;
  const specifier =
    target.startsWith('.') || target.startsWith('/')
      ? new URL(target, `file://${process.cwd()}/`).href
      : target;
  let mod: Record<string, unknown>;
  try {
    mod = await import(specifier);
  } catch (error) {
    throw new Error(
      `cannot load backend '${spec}' (module '${target}'): ${(error as Error).message}. Known names: ${Object.keys(knownBackends).join(', ')}; or pass a module path.`,
    );
  }
  const create = (mod.createBackend ?? mod.default) as (() => Backend) | undefined;
  if (typeof create !== 'function') {
    throw new Error(`backend module '${target}' must export createBackend() or a default factory`);
  }
  return { name: spec, create };
}
