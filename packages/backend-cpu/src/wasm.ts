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

interface GemmModule {
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
  PACK_A_BYTES: { value: number };
  PACK_B_BYTES: { value: number };
}

let loaded: GemmModule | null | undefined;
let loadError = '';

/** The module, compiled once; null where WebAssembly SIMD is not available (the reason: `wasmError`). */
function gemmModule(): GemmModule | null {
  if (loaded !== undefined) return loaded;
  try {
    const bytes = Uint8Array.from(atob(gemmWasmBase64), (ch) => ch.charCodeAt(0));
    // Synchronous compile: the module is ~2 KB, under browsers' main-thread limit for it.
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { abort: () => {} } });
    loaded = instance.exports as unknown as GemmModule;
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

const align = (n: number) => (n + 15) & ~15;

/** The number of elements a strided rows x cols view spans, from its first element to its last. */
const span = (rows: number, cols: number, rs: number, cs: number) => (rows - 1) * rs + (cols - 1) * cs + 1;

/** C = A · B (or +=) on the SIMD module. Views must have non-negative strides and a Float32Array C. */
export function wasmGemm(args: GemmArgs): void {
  const mod = gemmModule()!;
  const { m, n, k, a, b, c } = args;
  const accumulate = args.accumulate ?? false;
  const ldc = c.rowStride;
  const spanA = span(m, k, a.rowStride, a.colStride);
  const spanB = span(k, n, b.rowStride, b.colStride);
  const spanC = span(m, n, ldc, 1);
  const packs = align(mod.heapBase());
  const aOff = align(packs + mod.PACK_A_BYTES.value + mod.PACK_B_BYTES.value);
  const bOff = align(aOff + spanA * 4);
  const cOff = align(bOff + spanB * 4);
  const end = cOff + spanC * 4;
  const memory = mod.memory;
  if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
  const heap = new Float32Array(memory.buffer);
  heap.set(a.data.subarray(a.offset, a.offset + spanA), aOff >> 2);
  heap.set(b.data.subarray(b.offset, b.offset + spanB), bOff >> 2);
  if (accumulate) heap.set(c.data.subarray(c.offset, c.offset + spanC), cOff >> 2);
  mod.gemm(
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
    packs,
  );
  if (ldc === n) {
    c.data.set(heap.subarray(cOff >> 2, (cOff >> 2) + spanC), c.offset);
  } else {
    for (let i = 0; i < m; i++) {
      const from = (cOff >> 2) + i * ldc;
      c.data.set(heap.subarray(from, from + n), c.offset + i * ldc);
    }
  }
}
