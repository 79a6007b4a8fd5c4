export { type ExportOptions, exportOnnx } from './export.js';
export {
  boundaryLayout,
  type ImportOptions,
  importOnnx,
  type OnnxImport,
  OnnxImportError,
  SUPPORTED_OPS,
  SUPPORTED_OPSETS,
  type UnsupportedNode,
} from './import.js';
export { inspectOnnx, type OnnxInspection } from './inspect.js';
export { OnnxOp, type OnnxOpConfig, type OnnxOperand, type OnnxOpKind, type TargetDim } from './layers.js';
export {
  type AttributeProto,
  AttributeType,
  DataType,
  type DimensionProto,
  decodeModel,
  encodeModel,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type OperatorSetIdProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto.js';
