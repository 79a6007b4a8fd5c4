/**
 * The WebAssembly SIMD GEMM (assembly/gemm.ts), loaded from the module embedded at build time. Operands are
 * copied into the module's memory, multiplied there, and C copied back: the copies cost O(m·k + k·n + m·n),
 * the product O(m·n·k).
 */

import type { GemmArgs } from './gemm.js';
import { gemmWasmBase64 } from './generated/gemm-wasm.js';

// The few WebAssembly and base64 globals used here, declared so the package needs neither DOM nor Node
// typings (every JavaScript engine this library runs on has them).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};
declare function atob(data: string): string;

/** The module's exports (assembly/gemm.ts). */
export interface WasmKernels {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
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
  PACK_A_BYTES: { value: number };
  PACK_B_BYTES: { value: number };
}

let loaded: WasmKernels | null | undefined;
let loadError = '';

/** The module, compiled once; null where WebAssembly SIMD is not available (the reason: `wasmError`). */
function gemmModule(): WasmKernels | null {
  if (loaded !== undefined) return loaded;
  try {
    const bytes = Uint8Array.from(atob(gemmWasmBase64), (ch) => ch.charCodeAt(0));
    // Synchronous compile: the module is ~2 KB, under browsers' main-thread limit for it.
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { abort: () => {} } });
    loaded = instance.exports as unknown as WasmKernels;
  } catch (error) {
    loaded = null;
    loadError = (error as Error).message;
  }
  return loaded;
}

/** Whether the SIMD GEMM runs here, and why not. */
export function wasmAvailable(): { available: boolean; reason?: string } {
  return gemmModule() ? { available: true } : { available: false, reason: loadError };
}

/**
 * The module's linear memory as a bump allocator for one kernel call: `reset`, then `put`/`alloc` regions
 * (16-byte aligned, after the packing scratch), call the module, `read` results out.
 */
export class WasmHeap {
  private top = 0;
  constructor(readonly mod: WasmKernels) {}
  /** Where the GEMM's packing scratch lives (always at the start). */
  get packs(): number {
    return (this.mod.heapBase() + 15) & ~15;
  }
  reset(): void {
    this.top = this.packs + this.mod.PACK_A_BYTES.value + this.mod.PACK_B_BYTES.value;
  }
  /** A region of `floats` float32s (zero-filled with `zero`); returns its byte offset. */
  alloc(floats: number, zero = false): number {
    const at = (this.top + 15) & ~15;
    this.top = at + floats * 4;
    const memory = this.mod.memory;
    if (this.top > memory.buffer.byteLength)
      memory.grow(Math.ceil((this.top - memory.buffer.byteLength) / 65536));
    if (zero) this.f32().fill(0, at >> 2, (at >> 2) + floats);
    return at;
  }
  /** Copies `values` in; returns the byte offset. */
  put(values: Float32Array): number {
    const at = this.alloc(values.length);
    this.f32().set(values, at >> 2);
    return at;
  }
  /** A copy of `floats` values at byte offset `at`. */
  read(at: number, floats: number): Float32Array {
    return this.f32().slice(at >> 2, (at >> 2) + floats);
  }
  /** A view of the whole memory (made anew: growing the memory detaches old views). */
  f32(): Float32Array {
    return new Float32Array(this.mod.memory.buffer);
  }
}

let heap: WasmHeap | null = null;

/** The module and its heap; call only where `wasmAvailable()`. */
export function wasmHeap(): WasmHeap {
  heap ??= new WasmHeap(gemmModule()!);
  heap.reset();
  return heap;
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
  h.mod.gemm(
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
    h.packs,
  );
  const heapC = h.f32();
  if (ldc === n) {
    c.data.set(heapC.subarray(cOff >> 2, (cOff >> 2) + spanC), c.offset);
  } else {
    for (let i = 0; i < m; i++) {
      const from = (cOff >> 2) + i * ldc;
      c.data.set(heapC.subarray(from, from + n), c.offset + i * ldc);
    }
  }
}
