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
}

/** Our backends are what the backend packages registered (the reference backend checks, it is not timed). */
const OURS: readonly SubjectInfo[] = registeredBackends()
  .filter((b) => b.name !== 'reference')
  .map((b) => ({ id: b.name, label: b.name, kind: 'ours', description: b.description }));

export const SUBJECTS: readonly SubjectInfo[] = [
  ...OURS,
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

const messageOf = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

export async function loadOurBackend(id: string): Promise<Backend> {
  try {
    return await initBackend(id);
  } catch (error) {
    throw new Error(`backend '${id}' cannot start here: ${messageOf(error)}`);
  }
}

/** Loads a subject; throws (with the reason) where it is not available on this machine. */
export async function loadSubject(id: string): Promise<SubjectImpl> {
  subjectInfo(id);
  if (OURS.some((s) => s.id === id)) {
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
