/**
 * Who is benchmarked: every @cnn backend that can be loaded, and the peers doing the same work. Each is
 * loaded by dynamic import when asked for, so a missing package or an engine that cannot start becomes a
 * 'not available: <reason>' row instead of breaking the run.
 */
import '@cnn/backend-cpu';
import '@cnn/backend-gpujs';
import '@cnn/backend-tfjs';
import { type Backend, initBackend, registeredBackends } from '@cnn/core';
import type { SubjectImpl } from './engines/types.js';

export interface SubjectInfo {
  id: string;
  /** Column and legend label. */
  label: string;
  kind: 'ours' | 'peer';
  description: string;
  /** Where it runs: a Node worker process, or a page in headless Chromium (`--browser`). */
  where: 'node' | 'browser';
}

/** Our backends are what the backend packages registered (the reference backend checks, it is not timed). */
// tfjs's webgl and webgpu engines exist only in browsers: they are the `@chromium` subjects below.
const BROWSER_ONLY = new Set(['reference', 'tfjs-webgl', 'tfjs-webgpu']);
const OURS: readonly SubjectInfo[] = registeredBackends()
  .filter((b) => !BROWSER_ONLY.has(b.name))
  .map((b) => ({ id: b.name, label: b.name, kind: 'ours', description: b.description, where: 'node' }));

export const SUBJECTS: readonly SubjectInfo[] = [
  ...OURS,
  {
    id: 'tf-cpu',
    label: 'TF.js cpu',
    kind: 'peer',
    description: 'TensorFlow.js 4.22.0 itself: tfjs-core ops and tfjs-layers models on its cpu engine',
    where: 'node',
  },
  {
    id: 'tf-wasm',
    label: 'TF.js wasm',
    kind: 'peer',
    description:
      'TensorFlow.js 4.22.0 itself: tfjs-core ops and tfjs-layers models on its wasm engine (SIMD, 1 thread)',
    where: 'node',
  },
  {
    id: 'convnetjs',
    label: 'ConvNetJS',
    kind: 'peer',
    description: 'ConvNetJS 0.3.0: per-sample layers (float64) and its own SGD Trainer',
    where: 'node',
  },
];

/**
 * Engines that exist only in a browser, run by `--browser` in headless Chromium (its WebGL2 is SwiftShader,
 * a software renderer, on a machine without a GPU): the same tasks, checked and timed the same way.
 */
export const BROWSER_SUBJECTS: readonly SubjectInfo[] = [
  {
    id: 'gpujs@chromium',
    label: 'gpujs (Chromium)',
    kind: 'ours',
    description: '@cnn/backend-gpujs on WebGL2 in headless Chromium',
    where: 'browser',
  },
  {
    id: 'tfjs-webgl@chromium',
    label: 'tfjs-webgl (Chromium)',
    kind: 'ours',
    description: "@cnn/backend-tfjs on TF.js's webgl engine in headless Chromium",
    where: 'browser',
  },
  {
    id: 'tfjs-webgpu@chromium',
    label: 'tfjs-webgpu (Chromium)',
    kind: 'ours',
    description: "@cnn/backend-tfjs on TF.js's webgpu engine in headless Chromium",
    where: 'browser',
  },
  {
    id: 'tf-webgl@chromium',
    label: 'TF.js webgl (Chromium)',
    kind: 'peer',
    description:
      'TensorFlow.js 4.22.0 itself (tfjs-core ops, tfjs-layers models) on its webgl engine in headless Chromium',
    where: 'browser',
  },
];

/** Every subject, Node and browser. */
export const ALL_SUBJECTS: readonly SubjectInfo[] = [...SUBJECTS, ...BROWSER_SUBJECTS];

/** The backend every other subject's output is checked against. */
export const REFERENCE_SUBJECT = 'cpu';

export function subjectInfo(id: string): SubjectInfo {
  const info = ALL_SUBJECTS.find((s) => s.id === id);
  if (!info)
    throw new Error(`unknown subject '${id}' (choose from: ${ALL_SUBJECTS.map((s) => s.id).join(', ')})`);
  return info;
}

const messageOf = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

export async function loadOurBackend(id: string): Promise<Backend> {
  try {
    return await initBackend(id);
  } catch (error) {
    throw new Error(`backend '${id}' cannot start here: ${messageOf(error)}`);
  }
}

/**
 * Loads a subject; throws (with the reason) where it is not available here. A browser subject loads only
 * in a page (the bench's browser bundle): its id is the backend or peer id with `@chromium` appended.
 */
export async function loadSubject(id: string): Promise<SubjectImpl> {
  const info = subjectInfo(id);
  const name = id.replace(/@chromium$/, '');
  if (info.kind === 'ours') {
    const backend = await loadOurBackend(name);
    const { ourSubject } = await import('./engines/ours.js');
    return ourSubject(backend);
  }
  if (name.startsWith('tf-')) {
    const { tfjsPeer } = await import('./engines/tfjs.js');
    return tfjsPeer(name.slice(3) as 'cpu' | 'wasm' | 'webgl');
  }
  const { convnetjsPeer } = await import('./engines/convnetjs.js');
  return convnetjsPeer();
}
