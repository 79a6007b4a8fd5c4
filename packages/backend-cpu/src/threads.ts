/**
 * Worker threads for the SIMD kernels: `worker_threads` in Node, Web Workers in a cross-origin-isolated page.
 *
 * Every worker instantiates the same WebAssembly module on the same shared memory as the main thread, so
 * work is split without copying: each thread runs one part (a GEMM's rows or columns of C, a convolution's
 * output pixels) of an exported kernel, reading the operands where the main thread put them. Calls are synchronous, as the kernels are: the main thread hands out the
 * parts through a small shared control block (Atomics), does the first part itself, then waits for the
 * others. A worker spins briefly after a part (the next GEMM of a training step usually comes within
 * microseconds) and then sleeps in `Atomics.wait`, so no more threads spin than the caller asked for.
 */

/**
 * Control block per worker: state, ready flag, the kernel (its index in `THREAD_KERNELS`), the argument
 * count, then the arguments.
 */
const SLOT = 32;
/** The module's exports a worker can run (a part's first number is the index here). */
export const THREAD_KERNELS = [
  'gemm',
  'conv2dRows',
  'conv2dDirect',
  'conv2dBackpropInputRows',
  'conv2dBackpropInputDirect',
  'conv2dBackpropFilterParts',
  'conv2dBackpropFilterDirect',
  'maxPool',
] as const;
export type ThreadKernel = (typeof THREAD_KERNELS)[number];
const IDLE = 0;
const WORK = 1;
const DONE = 2;

declare const performance: { now(): number };

type WasmModule = object;
type SharedMemory = object;

interface WorkerInit {
  module: WasmModule;
  memory: SharedMemory;
  control: SharedArrayBuffer;
  slot: number;
  kernels: readonly string[];
}

/**
 * A worker's whole life, run inside the worker (its source is sent as text, so it uses nothing from this
 * file's scope: the constants are repeated literally).
 */
function workerMain(init: WorkerInit): void {
  const wasm = (
    globalThis as unknown as {
      WebAssembly: { Instance: new (m: object, i: object) => { exports: Record<string, unknown> } };
    }
  ).WebAssembly;
  const instance = new wasm.Instance(init.module, { env: { memory: init.memory, abort() {} } });
  const kernels = init.kernels.map((name) => instance.exports[name] as (...args: number[]) => void);
  const control = new Int32Array(init.control);
  const base = init.slot * 32;
  Atomics.store(control, base + 1, 1); // ready
  for (;;) {
    let spins = 0;
    let since = performance.now();
    while (Atomics.load(control, base) !== 1) {
      if ((++spins & 1023) === 0 && performance.now() - since > 0.2) {
        // Idle for 200 µs: sleep until the main thread posts work (or wakes us).
        Atomics.wait(control, base, 0, 1000);
        since = performance.now();
      }
    }
    const args = Array.from(control.subarray(base + 4, base + 4 + control[base + 3]!));
    kernels[control[base + 2]!]!(...args);
    Atomics.store(control, base, 2);
  }
}

interface WorkerHandle {
  postMessage(message: unknown): void;
  unref?(): void;
  terminate(): unknown;
}

/** The platform's way to start a worker running `workerMain`, or the reason there is none. */
function workerFactory(): ((init: WorkerInit) => WorkerHandle) | string {
  const g = globalThis as unknown as {
    process?: { versions?: { node?: string }; getBuiltinModule?(id: string): unknown };
    Worker?: new (url: string) => WorkerHandle;
    crossOriginIsolated?: boolean;
    Blob?: new (parts: string[], options: { type: string }) => object;
    URL?: { createObjectURL(blob: object): string };
  };
  if (typeof SharedArrayBuffer === 'undefined') return 'SharedArrayBuffer is not available here';
  if (g.process?.versions?.node) {
    const threads = g.process.getBuiltinModule?.('node:worker_threads') as
      | { Worker: new (code: string, options: object) => WorkerHandle }
      | undefined;
    if (!threads) return 'this Node has no process.getBuiltinModule (Node >= 20.16 has)';
    return (init) => {
      const code = `const { workerData } = require('node:worker_threads');\n(${workerMain.toString()})(workerData);`;
      const worker = new threads.Worker(code, { eval: true, workerData: init });
      worker.unref?.(); // an idle pool never keeps the process alive
      return worker;
    };
  }
  if (!g.Worker || !g.Blob || !g.URL) return 'this environment has no Worker';
  if (g.crossOriginIsolated === false)
    return 'the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp)';
  const { Worker, Blob, URL } = g;
  return (init) => {
    const code = `self.onmessage = (e) => (${workerMain.toString()})(e.data);`;
    const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
    worker.postMessage(init);
    return worker;
  };
}

/** How many threads this machine has (the default thread count). */
export function hardwareThreads(): number {
  const g = globalThis as unknown as {
    navigator?: { hardwareConcurrency?: number };
    process?: { getBuiltinModule?(id: string): unknown };
  };
  const os = g.process?.getBuiltinModule?.('node:os') as { availableParallelism?(): number } | undefined;
  const n = os?.availableParallelism?.() ?? g.navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.floor(n));
}

/** Most workers one pool holds (its control block is allocated once, for all of them). */
const MAX_WORKERS = 63;

/** The pool: workers on one module and one shared memory, each with its own control slot. */
export class ThreadPool {
  private readonly buffer = new SharedArrayBuffer(MAX_WORKERS * SLOT * 4);
  private readonly control = new Int32Array(this.buffer);
  private readonly workers: WorkerHandle[] = [];

  private constructor(
    private readonly startWorker: (init: WorkerInit) => WorkerHandle,
    private readonly module: WasmModule,
    private readonly memory: SharedMemory,
  ) {}

  /** An empty pool on `module` and `memory`, or the reason workers cannot start here. */
  static create(module: WasmModule, memory: SharedMemory): ThreadPool | string {
    const factory = workerFactory();
    return typeof factory === 'string' ? factory : new ThreadPool(factory, module, memory);
  }

  /** Workers started (ready or still booting). */
  get size(): number {
    return this.workers.length;
  }

  /** Starts workers until there are `size` (at most MAX_WORKERS); they boot in the background. */
  grow(size: number): void {
    while (this.workers.length < Math.min(size, MAX_WORKERS)) {
      const slot = this.workers.length;
      this.workers.push(
        this.startWorker({
          module: this.module,
          memory: this.memory,
          control: this.buffer,
          slot,
          kernels: THREAD_KERNELS,
        }),
      );
    }
  }

  /** Workers that have started and can take a part now (they boot in parallel with the caller). */
  ready(limit: number): number {
    let n = 0;
    while (n < Math.min(limit, this.size) && Atomics.load(this.control, n * SLOT + 1) === 1) n++;
    return n;
  }

  /**
   * Runs `kernel` on `parts[0]` on the calling thread with `runHere` and on `parts[1..]` on workers 0..,
   * and returns when all are done. Each part is the kernel's arguments (byte offsets and sizes: int32).
   */
  run(kernel: ThreadKernel, parts: number[][], runHere: (args: number[]) => void): void {
    const control = this.control;
    const id = THREAD_KERNELS.indexOf(kernel);
    for (let p = 1; p < parts.length; p++) {
      const base = (p - 1) * SLOT;
      control[base + 2] = id;
      control[base + 3] = parts[p]!.length;
      control.set(parts[p]!, base + 4);
      Atomics.store(control, base, WORK);
      Atomics.notify(control, base);
    }
    runHere(parts[0]!);
    for (let p = 1; p < parts.length; p++) {
      const base = (p - 1) * SLOT;
      // Spin: the parts are sized to finish together. A worker that never answers is an error, not a hang.
      for (let spins = 1, since = performance.now(); Atomics.load(control, base) !== DONE; spins++) {
        if ((spins & 0xffff) === 0 && performance.now() - since > 60_000)
          throw new Error('cpu: a kernel worker thread stopped answering (60 s); use cpu({ threads: 1 })');
      }
      Atomics.store(control, base, IDLE);
    }
  }

  terminate(): void {
    for (const w of this.workers) w.terminate();
  }
}
