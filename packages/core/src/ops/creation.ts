import type { Backend, Shape } from '../backend.js';
import { Random } from '../random.js';
import { assertShape, fmt } from '../shape.js';
import { type NestedArray, sizeOf, type Tensor } from '../tensor.js';
import { upload } from './op.js';

/** Creates a tensor from flat or nested values; `shape` is inferred from nesting when not given. */
export function tensor(
  values: NestedArray | Float32Array | readonly number[],
  shape?: Shape,
  backend?: Backend,
): Tensor {
  const flat = values instanceof Float32Array ? values : Float32Array.from(flatten(values));
  const resolved = shape ?? inferShape(values);
  assertShape('tensor', 'shape', resolved);
  if (sizeOf(resolved) !== flat.length) {
    throw new Error(`tensor: shape ${fmt(resolved)} needs ${sizeOf(resolved)} values, got ${flat.length}`);
  }
  return upload(flat, resolved, backend);
}

export function scalar(value: number, backend?: Backend): Tensor {
  return upload(Float32Array.of(value), [], backend);
}

/** `shape` filled with `value`; errors name `op`, the function the user called. */
function filled(op: string, shape: Shape, value: number, backend?: Backend): Tensor {
  assertShape(op, 'shape', shape);
  return upload(new Float32Array(sizeOf(shape)).fill(value), shape, backend);
}

export const fill = (shape: Shape, value: number, backend?: Backend): Tensor =>
  filled('fill', shape, value, backend);
export const zeros = (shape: Shape, backend?: Backend): Tensor => filled('zeros', shape, 0, backend);
export const ones = (shape: Shape, backend?: Backend): Tensor => filled('ones', shape, 1, backend);

export interface RandomOptions {
  seed?: number;
  /** A generator to draw from (advances it); overrides `seed`. */
  random?: Random;
  backend?: Backend;
}

export function randomNormal(shape: Shape, mean = 0, std = 1, options: RandomOptions = {}): Tensor {
  assertShape('randomNormal', 'shape', shape);
  const rng = options.random ?? new Random(options.seed);
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = rng.normal(mean, std);
  return upload(values, shape, options.backend);
}

export function randomUniform(shape: Shape, low = 0, high = 1, options: RandomOptions = {}): Tensor {
  assertShape('randomUniform', 'shape', shape);
  const rng = options.random ?? new Random(options.seed);
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform(low, high);
  return upload(values, shape, options.backend);
}

function flatten(values: NestedArray | readonly number[]): number[] {
  const out: number[] = [];
  const visit = (v: NestedArray | readonly number[]): void => {
    if (typeof v === 'number') out.push(v);
    else for (const item of v) visit(item);
  };
  visit(values);
  return out;
}

function inferShape(values: NestedArray | Float32Array | readonly number[]): number[] {
  const shape: number[] = [];
  let v: unknown = values;
  while (Array.isArray(v) || v instanceof Float32Array) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}
