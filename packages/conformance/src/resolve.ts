import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Backend } from '@cnn/core';
import * as cnn from '@cnn/core';

/**
 * A path is taken relative to the working directory; a package name is looked up from the working
 * directory first (the user's project), then from this package.
 */
function locate(target: string): string {
  if (target.startsWith('.') || target.startsWith('/'))
    return pathToFileURL(resolve(process.cwd(), target)).href;
  try {
    return pathToFileURL(createRequire(join(process.cwd(), 'package.json')).resolve(target)).href;
  } catch {
    return target;
  }
}

/** The @cnn backend packages; each one installed registers its backends in core's registry on import. */
const backendPackages = [
  '@cnn/backend-cpu',
  '@cnn/backend-tfjs',
  '@cnn/backend-gpujs',
  '@cnn/backend-reference',
];

/** Imports every installed @cnn backend package, so the registry knows their names. */
export async function loadInstalledBackends(): Promise<void> {
  for (const name of backendPackages) {
    try {
      await import(locate(name));
    } catch {
      // not installed here: its names are simply not offered
    }
  }
}

/**
 * Turns `--backend` into a backend factory: a registered name (`cpu`, `tfjs-wasm`; see `listBackends`),
 * or a package name or path to a module that registers backends or exports `createBackend()` (or a
 * default factory) returning a Backend.
 */
export async function resolveBackend(
  spec: string,
): Promise<{ name: string; create: () => Backend | Promise<Backend> }> {
  await loadInstalledBackends();
  const names = cnn.registeredBackends().map((b) => b.name);
  if (names.includes(spec)) return { name: spec, create: () => cnn.initBackend(spec) };
  const looksLikeModule = spec.startsWith('.') || spec.startsWith('/') || spec.includes('/');
  if (!looksLikeModule) {
    throw new Error(
      `no backend named '${spec}' (registered here: ${names.join(', ') || 'none'}); or pass a module path`,
    );
  }
  let mod: Record<string, unknown>;
  try {
    mod = await import(locate(spec));
  } catch (error) {
    throw new Error(`cannot load backend module '${spec}': ${(error as Error).message}`);
  }
  const create = (mod.createBackend ?? mod.default) as (() => Backend | Promise<Backend>) | undefined;
  if (typeof create !== 'function') {
    throw new Error(`backend module '${spec}' must export createBackend() or a default factory`);
  }
  return { name: spec, create };
}
