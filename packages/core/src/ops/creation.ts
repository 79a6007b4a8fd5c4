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
  if (values === null || (typeof values !== 'number' && typeof values !== 'object')) {
    throw new Error(`tensor: values must be a number, an array or a Float32Array, got ${describe(values)}`);
  }
  const flat = values instanceof Float32Array ? values : Float32Array.from(flatten(values));
  const resolved = shape ?? inferShape(values);
  assertShape('tensor', 'shape', resolved);
  if (sizeOf(resolved) !== flat.length) {
    throw new Error(`tensor: shape ${fmt(resolved)} needs ${sizeOf(resolved)} values, got ${flat.length}`);
  }
  return upload(flat, resolved, backend);
}

/** A rank-0 tensor holding `value`. */
export function scalar(value: number, backend?: Backend): Tensor {
  return upload(Float32Array.of(value), [], backend);
}

/** `shape` filled with `value`; errors name `op`, the function the user called. */
function filled(op: string, shape: Shape, value: number, backend?: Backend): Tensor {
  assertShape(op, 'shape', shape);
  return upload(new Float32Array(sizeOf(shape)).fill(value), shape, backend);
}

/** A tensor of `shape` with every element `value`. */
export const fill = (shape: Shape, value: number, backend?: Backend): Tensor =>
  filled('fill', shape, value, backend);
/** A tensor of `shape` filled with 0. */
export const zeros = (shape: Shape, backend?: Backend): Tensor => filled('zeros', shape, 0, backend);
/** A tensor of `shape` filled with 1. */
export const ones = (shape: Shape, backend?: Backend): Tensor => filled('ones', shape, 1, backend);

/** Options of the random tensors: the seed (the same seed gives the same values on every backend). */
export interface RandomOptions {
  seed?: number;
  /** A generator to draw from (advances it); overrides `seed`. */
  random?: Random;
  backend?: Backend;
}

/** Normally distributed values with the given mean and standard deviation. */
export function randomNormal(shape: Shape, mean = 0, std = 1, options: RandomOptions = {}): Tensor {
  assertShape('randomNormal', 'shape', shape);
  const rng = options.random ?? new Random(options.seed);
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = rng.normal(mean, std);
  return upload(values, shape, options.backend);
}

/** Uniformly distributed values in `[low, high)`. */
export function randomUniform(shape: Shape, low = 0, high = 1, options: RandomOptions = {}): Tensor {
  assertShape('randomUniform', 'shape', shape);
  const rng = options.random ?? new Random(options.seed);
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform(low, high);
  return upload(values, shape, options.backend);
}

/**
 * Flattens nested values, checking on the way that they form a box (every row at one depth has the same
 * length) of numbers: ragged input or a non-number is an error naming where it is.
 */
function flatten(values: NestedArray | readonly number[]): number[] {
  const shape = inferShape(values);
  const out: number[] = [];
  const visit = (v: unknown, depth: number, at: number[]): void => {
    const where = at.length ? `values[${at.join('][')}]` : 'values';
    if (depth === shape.length) {
      if (typeof v !== 'number') {
        throw new Error(`tensor: ${where} is ${describe(v)}, expected a number`);
      }
      out.push(v);
      return;
    }
    if (!Array.isArray(v) && !(v instanceof Float32Array)) {
      throw new Error(
        `tensor: ${where} is ${describe(v)}, expected an array of ${shape[depth]} (shape ${fmt(shape)})`,
      );
    }
    if (v.length !== shape[depth]) {
      throw new Error(
        `tensor: values are ragged: ${where} has ${v.length} entries where the first row at that depth has ${shape[depth]}`,
      );
    }
    for (let i = 0; i < v.length; i++) visit(v[i], depth + 1, [...at, i]);
  };
  visit(values, 0, []);
  return out;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `the string '${v}'`;
  return v === null ? 'null' : typeof v;
}

function inferShape(values: NestedArray | Float32Array | readonly number[]): number[] {
  const shape: number[] = [];
  let v: unknown = values;
  while (Array.isArray(v) || v instanceof Float32Array) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return shape;
}
