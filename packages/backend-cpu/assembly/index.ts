// The WebAssembly SIMD module: every kernel in one module, so they share one memory (and, in the threaded
// build, one set of worker instances).
export * from './gemm';
export * from './conv';
export * from './elementwise';
export * from './normalization';
export * from './pool';
