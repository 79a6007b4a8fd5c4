import { importOnnx, OnnxImportError, SUPPORTED_OPS, type UnsupportedNode } from './import.js';
import { decodeModel, type ModelProto } from './proto.js';

/** What `inspectOnnx` reports about a file. */
export interface OnnxInspection {
  producer: string;
  irVersion: number;
  opsets: { domain: string; version: number }[];
  graphName: string;
  inputs: { name: string; shape: (number | string)[] }[];
  outputs: { name: string; shape: (number | string)[] }[];
  /** Node count per op type, with whether the importer maps that type. */
  ops: { opType: string; count: number; supported: boolean }[];
  /** Weights (elements of the initializers). */
  parameters: number;
  /** Whether `importOnnx` accepts the file, and if not, why. */
  importable: boolean;
  problems: string[];
  unsupported: UnsupportedNode[];
}

/** A file's ops, shapes, parameter count and what of it the importer supports (it tries the import). */
export function inspectOnnx(bytes: Uint8Array): OnnxInspection {
  const proto: ModelProto = decodeModel(bytes);
  const graph = proto.graph!;
  const counts = new Map<string, number>();
  for (const n of graph.node ?? []) {
    const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.op_type}` : (n.op_type ?? '');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const known = new Set<string>(SUPPORTED_OPS);
  const shapeOf = (vi: NonNullable<typeof graph.input>[number]) =>
    (vi.type?.tensor_type?.shape?.dim ?? []).map((d) =>
      d.dim_value !== undefined ? Number(d.dim_value) : (d.dim_param ?? '?'),
    );
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  let importable = true;
  const problems: string[] = [];
  let unsupported: UnsupportedNode[] = [];
  try {
    importOnnx(proto).model.dispose();
  } catch (error) {
    importable = false;
    problems.push((error as Error).message);
    if (error instanceof OnnxImportError) unsupported = error.unsupported;
  }
  return {
    producer: `${proto.producer_name ?? ''} ${proto.producer_version ?? ''}`.trim(),
    irVersion: Number(proto.ir_version ?? 0),
    opsets: (proto.opset_import ?? []).map((o) => ({
      domain: o.domain || 'ai.onnx',
      version: Number(o.version ?? 0),
    })),
    graphName: graph.name ?? '',
    inputs: (graph.input ?? [])
      .filter((i) => !initializers.has(i.name))
      .map((i) => ({ name: i.name ?? '', shape: shapeOf(i) })),
    outputs: (graph.output ?? []).map((o) => ({ name: o.name ?? '', shape: shapeOf(o) })),
    ops: [...counts].map(([opType, count]) => ({ opType, count, supported: known.has(opType) })),
    parameters: (graph.initializer ?? []).reduce(
      (n, t) => n + (t.dims ?? []).reduce((a, b) => a * Number(b), 1),
      0,
    ),
    importable,
    problems,
    unsupported,
  };
}
