import { DataType, dataTypeName, type TensorProto } from './proto.js';

/** A constant of an ONNX graph, decoded: float32 values or integers (shapes, axes, indices). */
export type ConstantData =
  | { dtype: 'float'; shape: number[]; data: Float32Array }
  | { dtype: 'int'; shape: number[]; data: number[] };

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Decodes a TensorProto. float32 and the integer types are read (from raw_data, little-endian, or the
 * typed fields); external data and every other type (float16, double, bfloat16, strings, ...) are errors
 * naming the tensor, as this library computes in float32 only.
 */
export function decodeTensor(t: TensorProto, where: string): ConstantData {
  const name = t.name ? `'${t.name}'` : '(unnamed)';
  if (t.data_location === 1 || (t.external_data?.length ?? 0) > 0) {
    const location = t.external_data?.find((e) => e.key === 'location')?.value;
    throw new Error(
      `${where}: tensor ${name} keeps its data in an external file${location ? ` ('${location}')` : ''}; external data is not supported: save the model with its weights inside the .onnx file`,
    );
  }
  const shape = (t.dims ?? []).map(Number);
  const n = size(shape);
  const raw = t.raw_data && t.raw_data.length > 0 ? t.raw_data : null;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const checkLength = (got: number) => {
    if (got !== n)
      throw new Error(
        `${where}: tensor ${name} of shape [${shape.join(',')}] needs ${n} values but holds ${got} (truncated or corrupted)`,
      );
  };
  switch (t.data_type) {
    case DataType.FLOAT: {
      if (view) {
        checkLength(view.byteLength / 4);
        const data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true);
        return { dtype: 'float', shape, data };
      }
      checkLength(t.float_data?.length ?? 0);
      return { dtype: 'float', shape, data: Float32Array.from(t.float_data ?? []) };
    }
    case DataType.INT64: {
      if (view) {
        checkLength(view.byteLength / 8);
        return {
          dtype: 'int',
          shape,
          data: Array.from({ length: n }, (_, i) => Number(view.getBigInt64(i * 8, true))),
        };
      }
      checkLength(t.int64_data?.length ?? 0);
      return { dtype: 'int', shape, data: (t.int64_data ?? []).map(Number) };
    }
    case DataType.INT32:
    case DataType.INT16:
    case DataType.INT8:
    case DataType.UINT8:
    case DataType.UINT16:
    case DataType.BOOL: {
      if (view) {
        const bytes = { 6: 4, 5: 2, 4: 2, 3: 1, 2: 1, 9: 1 }[t.data_type] as number;
        checkLength(view.byteLength / bytes);
        const read = (i: number) =>
          bytes === 4
            ? view.getInt32(i * 4, true)
            : bytes === 2
              ? t.data_type === DataType.UINT16
                ? view.getUint16(i * 2, true)
                : view.getInt16(i * 2, true)
              : t.data_type === DataType.INT8
                ? view.getInt8(i)
                : view.getUint8(i);
        return { dtype: 'int', shape, data: Array.from({ length: n }, (_, i) => read(i)) };
      }
      checkLength(t.int32_data?.length ?? 0);
      return { dtype: 'int', shape, data: (t.int32_data ?? []).map(Number) };
    }
    default:
      throw new Error(
        `${where}: tensor ${name} has element type ${dataTypeName(t.data_type)}; only float32 weights (and integer shapes and indices) are supported: convert the model's weights to float32`,
      );
  }
}

/** A float32 TensorProto (raw little-endian data). */
export function floatTensor(name: string, shape: readonly number[], data: Float32Array): TensorProto {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return { name, dims: [...shape], data_type: DataType.FLOAT, raw_data: raw };
}

/** An int64 TensorProto (for shapes, pads, axes). */
export function int64Tensor(name: string, shape: readonly number[], data: readonly number[]): TensorProto {
  return { name, dims: [...shape], data_type: DataType.INT64, int64_data: [...data] };
}

/** `data` of shape `shape` with its axes permuted: output axis i is input axis `perm[i]`. */
export function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1]! * shape[i + 1]!;
  const strides = perm.map((p) => inStrides[p]!);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let offset = 0;
    for (let i = 0; i < rank; i++) offset += index[i]! * strides[i]!;
    out[o] = data[offset]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i]! < outShape[i]!) break;
      index[i] = 0;
    }
  }
  return out;
}
