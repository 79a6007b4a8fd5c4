// First: refuses to load beside another copy of @cnn/core (see singleton.ts).
import './singleton.js';

export { grad, grads, valueAndGrads } from './autograd.js';
export * from './backend.js';
export {
  type BackendInfo,
  type BackendRegistration,
  backendId,
  getBackend,
  getMaxTensorSize,
  initBackend,
  listBackends,
  registerBackend,
  registeredBackends,
  setBackend,
  setMaxTensorSize,
  useBackend,
} from './backends.js';
export { type ActivationName, activations } from './layers/activations.js';
export * from './layers/conv.js';
export * from './layers/core.js';
export { fans, type InitializerName, initialize } from './layers/initializers.js';
export * from './layers/layer.js';
export * from './layers/merge.js';
export * from './layers/normalization.js';
export * from './layers/pooling.js';
export * from './layers/reshaping.js';
export {
  dispose,
  keep,
  type MemoryInfo,
  memory,
  moveTo,
  moveToAsync,
  type TensorContainer,
  tidy,
} from './memory.js';
export {
  type EarlyStopping,
  type EarlyStoppingOptions,
  earlyStopping,
  learningRateScheduler,
} from './model/callbacks.js';
export {
  huberLoss,
  type LossConfig,
  type LossOptions,
  lossNames,
  smoothedSoftmaxCrossEntropy,
} from './model/losses.js';
export { confusionMatrix, topKAccuracy } from './model/metrics.js';
export { Model, type ModelConfig, sequential } from './model/model.js';
export {
  Adagrad,
  type AdagradConfig,
  Adam,
  type AdamConfig,
  type ClipConfig,
  type Optimizer,
  RMSprop,
  type RMSpropConfig,
  SGD,
  type SGDConfig,
} from './model/optimizers.js';
export * from './model/serialization.js';
export type {
  BatchBeginInfo,
  BatchLogs,
  Callbacks,
  ClassWeight,
  CompileConfig,
  Dataset,
  DatasetBatch,
  EpochLogs,
  EvaluateResult,
  FitDatasetOptions,
  FitOptions,
  LossName,
  MetricConfig,
  MetricName,
  MonitorName,
  OutputLogs,
  TopKAccuracyMetric,
  TrainBeginInfo,
  TrainOptions,
} from './model/training.js';
export { TrainingError } from './model/training.js';
export * from './ops/activation.js';
export * from './ops/conv.js';
export * from './ops/creation.js';
export * from './ops/elementwise.js';
export * from './ops/image.js';
export * from './ops/indexing.js';
export * from './ops/layout.js';
export * from './ops/loss.js';
export * from './ops/matmul.js';
export * from './ops/normalization.js';
export { kernelExtent, outputSize, type Padding, resolvePads } from './ops/padding.js';
export * from './ops/pool.js';
export * from './ops/reduce.js';
export { withoutOptionalKernels } from './optional.js';
export { Random } from './random.js';
export { broadcastShapes, normalizeAxis } from './shape.js';
export { shapeBackend } from './shape-backend.js';
export { type CoreRegistration, VERSION } from './singleton.js';
export { formatValues, type NestedArray, sizeOf, Tensor } from './tensor.js';
