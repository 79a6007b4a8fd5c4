import { engine, type TapeNode } from './engine.js';
import { collectTensors } from './memory.js';
import { ones, zeros } from './ops/creation.js';
import { add } from './ops/elementwise.js';
import { assertTensor, fmt, shapesEqual } from './shape.js';
import type { Tensor } from './tensor.js';

/**
 * Reverse-mode autodiff on a tape, micrograd style: run `f` while recording each op with its backward rule,
 * then walk the tape backwards, turning each output's gradient into its inputs' gradients and adding up
 * the contributions where a tensor was used more than once.
 *
 * Returns `f`'s value and the gradient of Σ value·dy (dy defaults to ones, i.e. d value for a scalar) with
 * respect to each of `xs`. Every intermediate is disposed; the value and the gradients are the caller's.
 */
export function valueAndGrads(
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  dy?: Tensor,
): { value: Tensor; grads: Tensor[] } {
  if (typeof f !== 'function') throw new Error(`valueAndGrads: f must be a function, got ${typeof f}`);
  if (!Array.isArray(xs)) throw new Error('valueAndGrads: xs must be an array of tensors');
  xs.forEach((x, i) => assertTensor('valueAndGrads', `xs[${i}]`, x));
  if (dy !== undefined) assertTensor('valueAndGrads', 'dy', dy);
  engine.startScope();
  let kept: Tensor[] = [];
  let nodes: TapeNode[] = [];
  let tracked: ReadonlySet<number> = new Set();
  try {
    engine.startTape(xs);
    let value: Tensor;
    try {
      value = f(...xs);
    } finally {
      ({ nodes, tracked } = engine.endTape());
    }
    assertTensor('valueAndGrads', 'the value f returned', value);
    if (dy && !shapesEqual(dy.shape, value.shape)) {
      throw new Error(`valueAndGrads: dy has shape ${fmt(dy.shape)} but f returned ${fmt(value.shape)}`);
    }
    if (!dy && value.size !== 1) {
      throw new Error(
        `valueAndGrads: f must return a scalar to differentiate, got shape ${fmt(value.shape)}; pass dy`,
      );
    }
    // The backward pass runs with the enclosing tapes (if any) open, so a gradient of this gradient
    // sees every op below.
    const grads = new Map<number, Tensor>([[value.id, dy ?? ones(value.shape, value.backend)]]);
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i]!;
      const g = grads.get(node.output.id);
      if (!g) continue;
      const needed = node.inputs.map((t) => tracked.has(t.id));
      const inputGrads = node.backward(g, node.inputs, node.output, needed);
      node.inputs.forEach((input, j) => {
        const gi = inputGrads[j];
        if (!gi) return;
        const previous = grads.get(input.id);
        grads.set(input.id, previous ? add(previous, gi) : gi);
      });
    }
    const result = {
      value,
      grads: xs.map((x) => grads.get(x.id) ?? zeros(x.shape, x.backend)),
    };
    kept = collectTensors(result);
    return result;
  } finally {
    engine.releaseNodes(nodes);
    engine.endScope(kept);
  }
}

/** `grad(f)(x)`: the gradient of scalar-valued `f` at `x`. */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  return (x, dy) => {
    const { value, grads } = valueAndGrads(f, [x], dy);
    if (value !== x) value.dispose();
    return grads[0]!;
  };
}

/** `grads(f)(xs)`: gradients of scalar-valued `f` with respect to each argument. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: readonly Tensor[], dy?: Tensor) => Tensor[] {
  return (xs, dy) => {
    const { value, grads } = valueAndGrads(f, xs, dy);
    if (!xs.includes(value)) value.dispose();
    return grads;
  };
}
