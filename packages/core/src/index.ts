export { grad, grads, valueAndGrads } from './autograd.js';
export * from './backend.js';
export {
  getBackend,
  keep,
  type MemoryInfo,
  memory,
  registerBackend,
  setBackend,
  type TensorContainer,
  tidy,
} from './memory.js';
export * from './ops/activation.js';
export * from './ops/conv.js';
export * from './ops/creation.js';
export * from './ops/elementwise.js';
export * from './ops/layout.js';
export * from './ops/loss.js';
export * from './ops/matmul.js';
export * from './ops/normalization.js';
export { kernelExtent, outputSize, type Padding, resolvePads } from './ops/padding.js';
export * from './ops/pool.js';
export * from './ops/reduce.js';
export { Random } from './random.js';
export { broadcastShapes, normalizeAxis } from './shape.js';
export { type NestedArray, sizeOf, Tensor } from './tensor.js';
