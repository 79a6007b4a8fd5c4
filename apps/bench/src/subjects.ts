/**
 * Who is benchmarked: every @cnn backend that can be loaded, and the peers doing the same work. Each is
 * loaded by dynamic import when asked for, so a missing package or an engine that cannot start becomes a
 * 'not available: <reason>' row instead of breaking the run.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Backend } from '@cnn/core';
import type { SubjectImpl } from './engines/types.js';

export interface SubjectInfo {
  id: string;
  /** Column and legend label. */
  label: string;
  kind: 'ours' | 'peer';
  description: string;
}

export const SUBJECTS: readonly SubjectInfo[] = [
  {
    id: 'cpu',
    label: 'cpu',
    kind: 'ours',
    description: '@cnn/backend-cpu: TypeScript kernels on Float32Array (the reference)',
  },
  {
    id: 'tfjs-cpu',
    label: 'tfjs-cpu',
    kind: 'ours',
    description: '@cnn/backend-tfjs on the TF.js cpu engine',
  },
  {
    id: 'tfjs-wasm',
    label: 'tfjs-wasm',
    kind: 'ours',
    description: '@cnn/backend-tfjs on the TF.js wasm engine (SIMD, 1 thread)',
  },
  {
    id: 'gpujs',
    label: 'gpujs',
    kind: 'ours',
    description: '@cnn/backend-gpujs (gpu.js; headless-gl in Node)',
  },
  {
    id: 'tf-cpu',
    label: 'TF.js cpu',
    kind: 'peer',
    description: 'TensorFlow.js 4.22.0 itself: tfjs-core ops and tfjs-layers models on its cpu engine',
  },
  {
    id: 'tf-wasm',
    label: 'TF.js wasm',
    kind: 'peer',
    description:
      'TensorFlow.js 4.22.0 itself: tfjs-core ops and tfjs-layers models on its wasm engine (SIMD, 1 thread)',
  },
  {
    id: 'convnetjs',
    label: 'ConvNetJS',
    kind: 'peer',
    description: 'ConvNetJS 0.3.0: per-sample layers (float64) and its own SGD Trainer',
  },
];

/** The backend every other subject's output is checked against. */
export const REFERENCE_SUBJECT = 'cpu';

export function subjectInfo(id: string): SubjectInfo {
  const info = SUBJECTS.find((s) => s.id === id);
  if (!info)
    throw new Error(`unknown subject '${id}' (choose from: ${SUBJECTS.map((s) => s.id).join(', ')})`);
  return info;
}

/** Our backends: the package, its factory export, and the workspace folder to look in when not a dependency. */
const OUR_BACKENDS: Record<string, { module: string; factories: string[]; folder: string }> = {
  cpu: { module: '@cnn/backend-cpu', factories: ['cpu'], folder: 'backend-cpu' },
  'tfjs-cpu': { module: '@cnn/backend-tfjs', factories: ['tfjsCpu'], folder: 'backend-tfjs' },
  'tfjs-wasm': { module: '@cnn/backend-tfjs', factories: ['tfjsWasm'], folder: 'backend-tfjs' },
  gpujs: {
    module: '@cnn/backend-gpujs',
    factories: ['gpujs', 'createBackend', 'default'],
    folder: 'backend-gpujs',
  },
};

const messageOf = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

/** Imports a package by name, or else from its built folder in the workspace (for backends added later). */
async function importPackage(module: string, folder: string): Promise<Record<string, unknown>> {
  try {
    return (await import(module)) as Record<string, unknown>;
  } catch (first) {
    const entry = fileURLToPath(new URL(`../../../packages/${folder}/dist/index.js`, import.meta.url));
    if (!existsSync(entry)) {
      const built = existsSync(
        fileURLToPath(new URL(`../../../packages/${folder}/package.json`, import.meta.url)),
      );
      throw new Error(
        built
          ? `${module} is in the workspace but not built (run pnpm build)`
          : `${module} is not in this workspace yet (${(first as { code?: string }).code ?? messageOf(first)})`,
      );
    }
    return (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  }
}

export async function loadOurBackend(id: string): Promise<Backend> {
  const entry = OUR_BACKENDS[id];
  if (!entry) throw new Error(`'${id}' is not one of our backends`);
  const mod = await importPackage(entry.module, entry.folder);
  const name = entry.factories.find((f) => typeof mod[f] === 'function');
  if (!name) throw new Error(`${entry.module} exports none of ${entry.factories.join(', ')}`);
  try {
    return await (mod[name] as () => Backend | Promise<Backend>)();
  } catch (error) {
    throw new Error(`${entry.module} ${name}() failed: ${messageOf(error)}`);
  }
}

/** Loads a subject; throws (with the reason) where it is not available on this machine. */
export async function loadSubject(id: string): Promise<SubjectImpl> {
  subjectInfo(id);
  if (id in OUR_BACKENDS) {
    const backend = await loadOurBackend(id);
    const { ourSubject } = await import('./engines/ours.js');
    return ourSubject(backend);
  }
  if (id === 'tf-cpu' || id === 'tf-wasm') {
    const { tfjsPeer } = await import('./engines/tfjs.js');
    return tfjsPeer(id === 'tf-cpu' ? 'cpu' : 'wasm');
  }
  const { convnetjsPeer } = await import('./engines/convnetjs.js');
  return convnetjsPeer();
}
