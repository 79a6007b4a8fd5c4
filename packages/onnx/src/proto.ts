import protobuf from 'protobufjs';
import { ONNX_PROTO } from './onnx-proto.js';

/**
 * The parts of ONNX's protobuf messages this package reads and writes, as plain objects (field names as in
 * onnx.proto; int64 as numbers). Decoding and encoding are protobufjs's, driven by the official onnx.proto.
 */
export interface TensorProto {
  dims?: number[];
  data_type?: number;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
  raw_data?: Uint8Array;
  name?: string;
  data_location?: number;
  external_data?: { key?: string; value?: string }[];
}

/** An attribute of a node (one of its value fields is set; `type` says which). */
export interface AttributeProto {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: unknown;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

/** A node of a graph: one operator application. */
export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: AttributeProto[];
}

/** One dimension of a tensor type: a size, a symbolic name, or unknown. */
export interface DimensionProto {
  dim_value?: number;
  dim_param?: string;
}

/** A graph input or output: its name, element type and shape. */
export interface ValueInfoProto {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: DimensionProto[] } } };
}

/** A computation graph. */
export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
  sparse_initializer?: unknown[];
}

/** An operator set a model imports: `domain` ('' is the default ONNX domain) at `version`. */
export interface OperatorSetIdProto {
  domain?: string;
  version?: number;
}

/** A whole `.onnx` file. */
export interface ModelProto {
  ir_version?: number;
  opset_import?: OperatorSetIdProto[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  doc_string?: string;
  graph?: GraphProto;
  functions?: unknown[];
}

/** TensorProto.DataType values this package names. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
} as const;

/** The name of a TensorProto data type, for messages. */
export function dataTypeName(type: number | undefined): string {
  const entry = Object.entries(DataType).find(([, v]) => v === type);
  return entry ? entry[0].toLowerCase() : `data type ${type}`;
}

let modelType: protobuf.Type | null = null;

function onnxModelType(): protobuf.Type {
  // keepCase: the field names stay those of onnx.proto (ir_version, opset_import, ...).
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

/**
 * Decodes the bytes of an `.onnx` file. A truncated or corrupted file, or one that is not ONNX at all, is an
 * error that says so (protobufjs reports where the wire format broke).
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array))
    throw new Error('onnx: expected the bytes of an .onnx file (a Uint8Array)');
  if (bytes.length === 0) throw new Error('onnx: the file is empty');
  const type = onnxModelType();
  let message: protobuf.Message;
  try {
    message = type.decode(bytes);
  } catch (error) {
    throw new Error(
      `onnx: the file is not a valid ONNX model (truncated or corrupted protobuf, ${bytes.length} bytes): ${(error as Error).message}`,
    );
  }
  const model = type.toObject(message, { longs: Number, arrays: true, defaults: false }) as ModelProto;
  if (!model.graph) {
    throw new Error(
      `onnx: the file decodes but holds no graph (${bytes.length} bytes): not an ONNX model, or truncated`,
    );
  }
  if (!model.opset_import?.length)
    throw new Error('onnx: the model imports no operator set (opset_import is empty)');
  return model;
}

/** Encodes a model as the bytes of an `.onnx` file. */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = onnxModelType();
  const problem = type.verify(model);
  if (problem) throw new Error(`onnx: cannot encode the model: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}
