import type { Backend } from './backend.js';

/**
 * The one registry of backends. A backend package registers its names when it is imported
 * (`import '@cnn/backend-cpu'` makes `setBackend('cpu')` work); apps and CLIs list what is registered and
 * available here instead of keeping their own tables.
 */
export interface BackendRegistration {
  /** The name users pass to `setBackend` (`'cpu'`, `'tfjs-wasm'`). */
  name: string;
  /** Creates the backend; may be async (an engine that loads WebAssembly or a GPU context). */
  create: () => Backend | Promise<Backend>;
  /** Higher wins when no backend was chosen (default 0). */
  priority?: number;
  /** One line on what the backend is, for listings. */
  description?: string;
}

/** A registered backend as `listBackends()` reports it: its name, description, and whether it can start here. */
export interface BackendInfo {
  name: string;
  description: string;
  priority: number;
  /** Whether it started here. */
  available: boolean;
  /** Why not, with the fix, when it did not. */
  reason?: string;
}

interface Entry extends BackendRegistration {
  instance?: Backend;
  failure?: string;
}

const registry = new Map<string, Entry>();
let current: Backend | null = null;

/** Makes a backend selectable by name. Registering a name again replaces the earlier registration. */
export function registerBackend(registration: BackendRegistration): void {
  if (!registration || typeof registration.name !== 'string' || typeof registration.create !== 'function') {
    throw new Error('registerBackend: expected { name: string, create: () => Backend }');
  }
  registry.set(registration.name, { ...registration });
}

function entryOf(op: string, name: string): Entry {
  const entry = registry.get(name);
  if (!entry) {
    const known = [...registry.keys()].join(', ') || 'none';
    throw new Error(
      `${op}: no backend named '${name}' is registered (registered: ${known}); import its package first, e.g. import '@cnn/backend-cpu'`,
    );
  }
  return entry;
}

/** Creates (once) and returns the named backend without selecting it. */
export async function initBackend(name: string): Promise<Backend> {
  const entry = entryOf('initBackend', name);
  if (entry.instance) return entry.instance;
  try {
    entry.instance = await entry.create();
  } catch (error) {
    entry.failure = (error as Error).message ?? String(error);
    throw error;
  }
  return entry.instance;
}

/**
 * Selects the backend every new tensor goes to: an instance, or the name of a registered backend. A
 * backend that starts asynchronously must be started first: `await useBackend('tfjs-wasm')`.
 */
export function setBackend(backend: Backend | string): Backend {
  if (typeof backend !== 'string') {
    if (!backend || typeof backend.upload !== 'function') {
      throw new Error(`setBackend: expected a Backend or a registered name, got ${String(backend)}`);
    }
    current = backend;
    return backend;
  }
  current = backendNamed('setBackend', backend);
  return current;
}

/** The named backend's instance, created now if its factory is synchronous; nothing is selected. */
export function backendNamed(op: string, name: string): Backend {
  const entry = entryOf(op, name);
  if (!entry.instance) {
    const made = entry.create();
    if (made instanceof Promise) {
      made.catch(() => {}); // the user is told to await it instead
      throw new Error(`${op}: backend '${name}' starts asynchronously; use \`await useBackend('${name}')\``);
    }
    entry.instance = made;
  }
  return entry.instance;
}

/** Starts the named backend if needed and selects it. */
export async function useBackend(name: string): Promise<Backend> {
  return setBackend(await initBackend(name));
}

/** The current backend; without a choice, the registered one with the highest priority. */
export function getBackend(): Backend {
  if (current) return current;
  const best = [...registry.values()].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0))[0];
  if (!best) {
    throw new Error(
      "No backend is set. Import one and select it, e.g. `import '@cnn/backend-cpu'; setBackend('cpu');`",
    );
  }
  return setBackend(best.name);
}

/** Every registered backend, started here if it was not yet, with whether it works here and why not. */
export async function listBackends(): Promise<BackendInfo[]> {
  const out: BackendInfo[] = [];
  for (const entry of registry.values()) {
    let reason: string | undefined;
    try {
      await initBackend(entry.name);
    } catch (error) {
      reason = (error as Error).message ?? String(error);
    }
    out.push({
      name: entry.name,
      description: entry.description ?? '',
      priority: entry.priority ?? 0,
      available: reason === undefined,
      ...(reason === undefined ? {} : { reason }),
    });
  }
  return out.sort((a, b) => b.priority - a.priority);
}

/** The registered backends, without starting anything (highest priority first). */
export function registeredBackends(): Omit<BackendInfo, 'available' | 'reason'>[] {
  return [...registry.values()]
    .map((e) => ({ name: e.name, description: e.description ?? '', priority: e.priority ?? 0 }))
    .sort((a, b) => b.priority - a.priority);
}

// ---- instance ids, for error messages ----
const ids = new WeakMap<Backend, string>();
const instancesPerName = new Map<string, number>();

/** `cpu#1`, `cpu#2`, ...: which backend instance a tensor lives on. */
export function backendId(backend: Backend): string {
  let id = ids.get(backend);
  if (!id) {
    const n = (instancesPerName.get(backend.name) ?? 0) + 1;
    instancesPerName.set(backend.name, n);
    id = `${backend.name}#${n}`;
    ids.set(backend, id);
  }
  return id;
}

// ---- tensor size limit ----
let maxTensorSize = 2 ** 30;

/**
 * The largest number of elements one tensor may hold (default 2^30, i.e. 4 GiB of float32). Core checks
 * it before any allocation, so a mistyped shape fails at once with the op and the shape.
 */
export function setMaxTensorSize(elements: number): void {
  if (!Number.isInteger(elements) || elements < 1) {
    throw new Error(`setMaxTensorSize: elements must be a positive integer, got ${elements}`);
  }
  maxTensorSize = elements;
}

/** The largest tensor, in elements, that ops may create (see `setMaxTensorSize`). */
export function getMaxTensorSize(): number {
  return maxTensorSize;
}
