/**
 * The WebAssembly SIMD module (assembly/), loaded from the copy embedded at build time; its memory
 * (`WasmHeap`: resident tensors and per-call scratch); and the GEMM split over threads.
 */

import type { GemmArgs } from './gemm.js';
import { kernelsSharedWasmBase64, kernelsWasmBase64 } from './generated/kernels-wasm.js';
import { type ThreadKernel, ThreadPool } from './threads.js';
import { floats } from './util.js';

// The few WebAssembly and base64 globals used here, declared so the package needs neither DOM nor Node
// typings (every JavaScript engine this library runs on has them).
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
/** wasm32's whole address space: 65536 pages of 64 KiB. */
const MAX_MEMORY_BYTES = 2 ** 32;

/** Byte offsets rounded up to 16 (ordinary arithmetic: offsets reach past 2^31, where `& ~15` turns negative). */
const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
};
declare function atob(data: string): string;

/** The module's exports (assembly/index.ts). */
export interface WasmKernels {
  gemm(
    m: number,
    n: number,
    k: number,
    a: number,
    rsa: number,
    csa: number,
    b: number,
    rsb: number,
    csb: number,
    c: number,
    ldc: number,
    accumulate: number,
    packs: number,
  ): void;
  heapBase(): number;
  im2col(...args: number[]): void;
  col2im(...args: number[]): void;
  binary(
    op: number,
    a: number,
    aRowStride: number,
    aColStride: number,
    b: number,
    bRowStride: number,
    bColStride: number,
    y: number,
    rows: number,
    cols: number,
  ): void;
  relu(x: number, y: number, n: number): void;
  reluGrad(x: number, dy: number, dx: number, n: number): void;
  sumRows(x: number, rows: number, cols: number, divisor: number, acc: number, y: number): void;
  unary(op: number, x: number, y: number, n: number): void;
  batchNorm(x: number, rows: number, C: number, mean: number, k: number, offset: number, y: number): void;
  padImages(...args: number[]): void;
  conv2dBackpropFilterDirect(...args: number[]): void;
  moments(x: number, rows: number, C: number, acc: number, y: number): void;
  batchNormGradSums(
    x: number,
    dy: number,
    rows: number,
    C: number,
    mean: number,
    acc: number,
    y: number,
  ): void;
  batchNormBackprop(x: number, dy: number, rows: number, C: number, constants: number, dx: number): void;
  maxPool(...args: number[]): void;
  conv2dRows(...args: number[]): void;
  conv2dDirect(...args: number[]): void;
  conv2dBackpropInputDirect(...args: number[]): void;
  conv2dBackpropInputRows(...args: number[]): void;
  conv2dBackpropFilterParts(...args: number[]): void;
  SCRATCH_BYTES: { value: number };
  GEMM_DEPTH: { value: number };
}

interface Loaded {
  kernels: WasmKernels;
  memory: WasmMemory;
  /** The compiled module and whether its memory is shared (then worker threads can run it too). */
  module: object;
  shared: boolean;
}

let loaded: Loaded | null | undefined;
let loadError = '';

const compile = (base64: string) =>
  new WebAssembly.Module(Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0)));

/**
 * The module, compiled once (synchronously: it is a few KB, under browsers' main-thread limit): the build
 * on a shared memory where SharedArrayBuffer exists, else the one with its own memory. Null where
 * WebAssembly SIMD is not available (the reason: `wasmAvailable`).
 */
function load(): Loaded | null {
  if (loaded !== undefined) return loaded;
  try {
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
    if (typeof SharedArrayBuffer !== 'undefined' && isolated) {
      try {
        const module = compile(kernelsSharedWasmBase64);
        const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
        const { exports } = new WebAssembly.Instance(module, { env: { memory, abort: () => {} } });
        loaded = { kernels: exports as unknown as WasmKernels, memory, module, shared: true };
        return loaded;
      } catch {
        // no shared WebAssembly memory here: the single-threaded build below
      }
    }
    const module = compile(kernelsWasmBase64);
    const { exports } = new WebAssembly.Instance(module, { env: { abort: () => {} } });
    const memory = exports.memory as WasmMemory;
    loaded = { kernels: exports as unknown as WasmKernels, memory, module, shared: false };
  } catch (error) {
    loaded = null;
    loadError = (error as Error).message;
  }
  return loaded;
}

/** Whether the SIMD GEMM runs here, and why not. */
export function wasmAvailable(): { available: boolean; reason?: string } {
  return load() ? { available: true } : { available: false, reason: loadError };
}

// ---- threads ----

let pool: ThreadPool | null = null;
let poolError = '';
/** Threads (the caller's included) the kernels in force may use, and the least work per part: `withThreads`. */
let threadsInForce = 1;
let minPartWork = 1 << 18;

/**
 * Makes sure `threads - 1` workers exist in the process's one pool (they start in the background: until
 * they are up, GEMMs run on fewer threads, with the same results). Returns null, or why threads cannot run.
 */
export function ensureThreads(threads: number): string | null {
  if (threads <= 1) return null;
  const mod = load();
  if (!mod) return `the WebAssembly SIMD module does not load (${loadError})`;
  if (!mod.shared)
    return 'WebAssembly shared memory is not available here (in a browser: the page must be cross-origin isolated)';
  if (!pool && !poolError) {
    const created = ThreadPool.create(mod.module, mod.memory);
    if (typeof created === 'string') poolError = created;
    else pool = created;
  }
  if (!pool) return poolError;
  pool.grow(threads - 1);
  return null;
}

/** Resolves once `threads - 1` workers of the pool have booted (immediately for 1 thread). */
export async function threadsReady(threads: number): Promise<void> {
  while (pool && threads > 1 && pool.ready(threads - 1) < Math.min(threads - 1, pool.size))
    await new Promise((resolve) => setTimeout(resolve, 1));
}

/**
 * The default least work (multiply-adds) per thread's part of a GEMM: waking a worker costs from well under
 * a microsecond (spinning) to ~30 µs (asleep), and 2^18 multiply-adds take ~10 µs at 50 GFLOP/s.
 */
export const DEFAULT_MIN_PART_WORK = 1 << 18;

/**
 * Runs `fn` with GEMMs split over up to `threads` threads, each part at least `minWork` multiply-adds
 * (kernels run synchronously, one at a time).
 */
export function withThreads<T>(threads: number, minWork: number, fn: () => T): T {
  const previous = [threadsInForce, minPartWork] as const;
  threadsInForce = threads;
  minPartWork = minWork;
  try {
    return fn();
  } finally {
    [threadsInForce, minPartWork] = previous;
  }
}

let splitCount = 0;
/** How many GEMMs ran split over several threads so far (for tests that must see the threaded path). */
export const splitGemms = () => splitCount;

// ---- the heap ----

/**
 * The module's linear memory, in two parts. Below `top`: persistent blocks, the threads' GEMM scratch
 * and, where the memory is shared, the tensors themselves (kernel outputs and uploads stay where the
 * module computed them, so the next kernel reads them in place instead of copying them in, and nobody
 * copies them out). Above `top`: one kernel call's scratch, a bump allocator that `reset` empties.
 *
 * A call allocates its outputs (`output`) before any scratch (`alloc`, `put`), so that a new block never
 * lands on scratch in use. A block is freed when its tensor is disposed (`release`), or when its view is
 * garbage-collected (a tensor nobody disposed must not leak memory a garbage collector cannot reclaim),
 * and is reused for the next block of that size. A memory that is not shared cannot hold tensors: it
 * detaches every view when it grows. There, inputs are copied in and outputs out.
 */
export class WasmHeap {
  /** End of the persistent blocks: scratch starts here. */
  private top = 0;
  private scratchTop = 0;
  private readonly threadScratch: number[] = [];
  /** Blocks holding tensors: byte offset -> floats. */
  private readonly blocks = new Map<number, number>();
  /** Freed blocks, by floats. */
  private readonly freeBlocks = new Map<number, number[]>();
  /** The views this heap handed out on its blocks (only these are read in place). */
  private readonly views = new WeakSet<Float32Array>();
  private readonly collected = new FinalizationRegistry<number>((at) => this.freeBlock(at));
  readonly mod: WasmKernels;
  /** Whether tensors live in the module's memory (it is shared, so views never detach). */
  readonly resident: boolean;

  constructor(private readonly loaded: Loaded) {
    this.mod = loaded.kernels;
    this.resident = loaded.shared;
    this.top = align16(this.mod.heapBase());
  }

  /** Thread t's GEMM scratch (the calling thread is 0). */
  scratch(t: number): number {
    return this.threadScratch[t]!;
  }

  /** Starts a kernel call: no scratch in use, GEMM scratch for every thread of the pool. */
  reset(): void {
    this.scratchTop = this.top;
    const threads = 1 + (pool?.size ?? 0);
    while (this.threadScratch.length < threads)
      this.threadScratch.push(this.grab(this.mod.SCRATCH_BYTES.value / 4));
    this.scratchTop = this.top;
  }

  /** A new persistent region at the top (between calls, or before the call's first scratch). */
  private grab(floats: number): number {
    if (this.scratchTop !== this.top)
      throw new Error('cpu backend (internal): a kernel allocated an output after its scratch');
    const at = this.top;
    // at least 16 bytes, so that no two blocks (an empty tensor's included) share an offset
    this.top = align16(at + Math.max(floats * 4, 16));
    this.scratchTop = this.top;
    this.fit(this.top);
    return at;
  }

  private fit(end: number): void {
    const memory = this.loaded.memory;
    const have = memory.buffer.byteLength;
    if (end <= have) return;
    if (end > MAX_MEMORY_BYTES)
      throw new Error(
        `cpu backend: the WebAssembly memory would need ${(end / 2 ** 30).toFixed(2)} GiB, over its 4 GiB; ` +
          'dispose tensors that are no longer needed, or use smaller batches',
      );
    memory.grow(Math.ceil((end - have) / 65536));
  }

  /**
   * The region a kernel writes its output to (`floats` float32s, zero-filled with `zero`): a tensor's
   * block where tensors are resident, else scratch. `read` turns it into the result.
   */
  output(floats: number, zero = false): number {
    if (!this.resident) return this.alloc(floats, zero);
    const [at, size] = this.reuse(floats) ?? [this.grab(floats), floats];
    this.blocks.set(at, size);
    if (zero) this.f32().fill(0, at / 4, at / 4 + floats);
    return at;
  }

  /**
   * A freed block for `floats` floats: one of that size, else the smallest freed one up to twice as large
   * (so batches of a new size, an evaluation's after training's, reuse what training freed instead of
   * growing the memory). Its whole size stays the block's. Null when none fits.
   */
  private reuse(floats: number): [number, number] | null {
    const exact = this.freeBlocks.get(floats)?.pop();
    if (exact !== undefined) return [exact, floats];
    let best = Infinity;
    for (const [size, list] of this.freeBlocks)
      if (list.length > 0 && size > floats && size <= 2 * floats && size < best) best = size;
    if (best === Infinity) return null;
    return [this.freeBlocks.get(best)!.pop()!, best];
  }

  /** A scratch region of `floats` float32s (zero-filled with `zero`); returns its byte offset. */
  alloc(floats: number, zero = false): number {
    const at = this.scratchTop;
    this.scratchTop = align16(at + floats * 4);
    this.fit(this.scratchTop);
    if (zero) this.f32().fill(0, at / 4, at / 4 + floats);
    return at;
  }

  /** Where `values` is in the module's memory: in place if it is a resident tensor, else copied in. */
  put(values: Float32Array): number {
    if (this.views.has(values)) return values.byteOffset;
    const at = this.alloc(values.length);
    this.f32().set(values, at / 4);
    return at;
  }

  /**
   * The kernel's result at `at` (from `output`): a view of the block itself where tensors are resident,
   * else a copy (in a recycled buffer where one fits).
   */
  read(at: number, count: number): Float32Array {
    if (this.blocks.has(at)) {
      const view = new Float32Array(this.loaded.memory.buffer, at, count);
      this.views.add(view);
      this.collected.register(view, at, view);
      return view;
    }
    const y = floats(count, false);
    y.set(this.f32().subarray(at / 4, at / 4 + count));
    return y;
  }

  /** A resident copy of `values` (an upload), or null where tensors are not resident. */
  adopt(values: Float32Array): Float32Array | null {
    if (!this.resident) return null;
    this.reset();
    const at = this.output(values.length);
    this.f32().set(values, at / 4);
    return this.read(at, values.length);
  }

  /** Frees the block under a view `read` returned (its tensor was disposed); false for any other array. */
  release(view: Float32Array): boolean {
    if (!this.views.has(view)) return false;
    this.views.delete(view);
    this.collected.unregister(view);
    this.freeBlock(view.byteOffset);
    return true;
  }

  private freeBlock(at: number): void {
    const floats = this.blocks.get(at);
    if (floats === undefined) return;
    this.blocks.delete(at);
    let list = this.freeBlocks.get(floats);
    if (!list) this.freeBlocks.set(floats, (list = []));
    list.push(at);
  }

  /** A view of the whole memory (made anew: growing the memory detaches old views). */
  f32(): Float32Array {
    return new Float32Array(this.loaded.memory.buffer);
  }

  /**
   * How many threads a kernel of `work` multiply-adds should use now: those in force, fewer where a part
   * would be under the least work per part, and only workers that have booted.
   */
  threadsFor(work: number): number {
    const wanted = Math.min(threadsInForce, Math.floor(work / Math.max(1, minPartWork)));
    return wanted > 1 && pool ? 1 + pool.ready(wanted - 1) : 1;
  }

  /** Runs the module's `kernel` once per part (its arguments), part t on thread t (0: the caller). */
  run(kernel: ThreadKernel, parts: number[][]): void {
    const fn = this.mod[kernel] as (...args: number[]) => void;
    if (parts.length === 1) {
      fn(...parts[0]);
      return;
    }
    pool!.run(kernel, parts, (args) => fn(...args));
    splitCount++;
  }

  /**
   * The module's `gemm` (byte offsets, strides in elements), split over the threads in force: C's rows (or
   * its columns, when it has few rows) are cut into contiguous parts, one per thread. Each element of C is
   * still summed in the same order, so the result is bit-identical for every thread count.
   */
  gemm(
    m: number,
    n: number,
    k: number,
    a: number,
    rsa: number,
    csa: number,
    b: number,
    rsb: number,
    csb: number,
    c: number,
    ldc: number,
    accumulate: number,
  ): void {
    const threads = this.threadsFor(m * n * k);
    // Split the longer side of C, in whole micro-kernel tiles (4 rows, 8 columns).
    const byRows = m >= n;
    const [length, unit] = byRows ? [m, 4] : [n, 8];
    const step = Math.ceil(length / threads / unit) * unit;
    const parts: number[][] = [];
    for (let t = 0, from = 0; from < length; t++, from += step) {
      const size = Math.min(step, length - from);
      const packs = this.scratch(t);
      parts.push(
        byRows
          ? [
              size,
              n,
              k,
              a + from * rsa * 4,
              rsa,
              csa,
              b,
              rsb,
              csb,
              c + from * ldc * 4,
              ldc,
              accumulate,
              packs,
            ]
          : [m, size, k, a, rsa, csa, b + from * csb * 4, rsb, csb, c + from * 4, ldc, accumulate, packs],
      );
    }
    if (parts.length === 0)
      parts.push([m, n, k, a, rsa, csa, b, rsb, csb, c, ldc, accumulate, this.scratch(0)]);
    this.run('gemm', parts);
  }
}

let heap: WasmHeap | null = null;

/** Frees the module-memory block of a resident tensor's data; false for any other array. */
export function releaseResident(data: Float32Array): boolean {
  return heap?.release(data) ?? false;
}

/** The module and its heap; call only where `wasmAvailable()`. */
export function wasmHeap(): WasmHeap {
  heap ??= new WasmHeap(load()!);
  heap.reset();
  return heap;
}

/**
 * Runs one module kernel on `inputs` (in place where resident, else copied in) and returns the
 * `outFloats` floats it writes at `out` (zeroed first with `zeroOut`). `call` gets the heap (for
 * scratch), the inputs' byte offsets and `out`.
 */
export function wasmKernel(
  inputs: readonly Float32Array[],
  outFloats: number,
  call: (heap: WasmHeap, inputs: number[], out: number) => void,
  zeroOut = false,
): Float32Array {
  const heap = wasmHeap();
  const out = heap.output(outFloats, zeroOut);
  const at = inputs.map((values) => heap.put(values));
  call(heap, at, out);
  return heap.read(out, outFloats);
}

/** The number of elements a strided rows x cols view spans, from its first element to its last. */
const span = (rows: number, cols: number, rs: number, cs: number) => (rows - 1) * rs + (cols - 1) * cs + 1;

/** C = A · B (or +=) on the SIMD module, for views into JavaScript arrays (copied in and out). */
export function wasmGemm(args: GemmArgs): void {
  const h = wasmHeap();
  const { m, n, k, a, b, c } = args;
  const accumulate = args.accumulate ?? false;
  const ldc = c.rowStride;
  const spanC = span(m, n, ldc, 1);
  const aOff = h.put(a.data.subarray(a.offset, a.offset + span(m, k, a.rowStride, a.colStride)));
  const bOff = h.put(b.data.subarray(b.offset, b.offset + span(k, n, b.rowStride, b.colStride)));
  const cOff = accumulate
    ? h.put(c.data.subarray(c.offset, c.offset + spanC) as Float32Array)
    : h.alloc(spanC);
  h.gemm(
    m,
    n,
    k,
    aOff,
    a.rowStride,
    a.colStride,
    bOff,
    b.rowStride,
    b.colStride,
    cOff,
    ldc,
    accumulate ? 1 : 0,
  );
  const heapC = h.f32();
  if (ldc === n) {
    c.data.set(heapC.subarray(cOff / 4, cOff / 4 + spanC), c.offset);
  } else {
    for (let i = 0; i < m; i++) {
      const from = cOff / 4 + i * ldc;
      c.data.set(heapC.subarray(from, from + n), c.offset + i * ldc);
    }
  }
}
