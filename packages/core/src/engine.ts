import type { Backend } from './backend.js';
import { Tensor } from './tensor.js';

/**
 * A recorded op: its inputs and output as the tape saw them, and how to turn the output's gradient into
 * the inputs' gradients. `inputs` and `output` are the tape's own handles on the tensors (same ids, same
 * storage), so they stay readable after the caller disposes the originals (e.g. inside a `tidy`).
 */
export interface TapeNode {
  readonly opName: string;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  /** One gradient per input (null where the input gets none), written with core ops. */
  readonly backward: BackwardFn;
  /** How many open tapes hold this node; its handles are released when the last one is done. */
  holds: number;
}

/**
 * `needed[i]` says whether input i wants a gradient (it is, or depends on, a watched tensor): a rule may
 * return null for the others and skip their work (the data of a conv needs no gradient, its filter does).
 */
export type BackwardFn = (
  dy: Tensor,
  inputs: readonly Tensor[],
  output: Tensor,
  needed: readonly boolean[],
) => (Tensor | null)[];

interface Tape {
  readonly nodes: TapeNode[];
  /** Ids of the tensors whose gradient is wanted, or that depend on one. */
  readonly tracked: Set<number>;
}

/**
 * Global bookkeeping: the live-tensor count, `tidy` scopes, storage reference counts (reshape and the
 * tape's handles share storage) and the autograd tapes. Which backend is current lives in `backends.ts`.
 */
class Engine {
  private readonly refCounts = new Map<unknown, number>();
  private readonly scopes: Set<Tensor>[] = [];
  private readonly tapes: Tape[] = [];
  /** Tensors created and not yet disposed. */
  numTensors = 0;
  /** Bytes of live storage (4 per float32 element; storage shared by several tensors counted once). */
  numBytes = 0;

  track(t: Tensor): void {
    this.numTensors++;
    const count = this.refCounts.get(t.storage) ?? 0;
    // Shape-inference placeholders have no storage (null) and hold no memory.
    if (count === 0 && t.storage !== null) this.numBytes += t.size * 4;
    this.refCounts.set(t.storage, count + 1);
    this.scopes[this.scopes.length - 1]?.add(t);
  }

  release(t: Tensor): void {
    this.numTensors--;
    const count = (this.refCounts.get(t.storage) ?? 1) - 1;
    if (count <= 0) {
      this.refCounts.delete(t.storage);
      if (t.storage !== null) this.numBytes -= t.size * 4;
      (t.backend as Backend).dispose(t.storage);
    } else {
      this.refCounts.set(t.storage, count);
    }
  }

  startScope(): void {
    this.scopes.push(new Set());
  }

  /** Disposes the scope's tensors except `keep`, which move to the enclosing scope. */
  endScope(keep: Iterable<Tensor>): void {
    const scope = this.scopes.pop();
    if (!scope) throw new Error('endScope without startScope');
    const kept = new Set(keep);
    const parent = this.scopes[this.scopes.length - 1];
    for (const t of scope) {
      if (kept.has(t)) parent?.add(t);
      else t.dispose();
    }
  }

  /** Removes `t` from every open scope, so no `tidy` disposes it. */
  keep(t: Tensor): void {
    for (const scope of this.scopes) scope.delete(t);
  }

  // ---- autograd tapes ----
  // Tapes nest (a gradient of a gradient): an op is recorded on EVERY open tape that tracks one of its
  // inputs, so an outer tape sees the inner function's ops and, later, the inner backward pass's ops.

  startTape(watched: readonly Tensor[]): void {
    this.tapes.push({ nodes: [], tracked: new Set(watched.map((t) => t.id)) });
  }

  /**
   * Closes the innermost tape and returns its nodes and the ids it tracked (watched tensors and everything
   * computed from them); call `releaseNodes` once the nodes have been used.
   */
  endTape(): { nodes: TapeNode[]; tracked: ReadonlySet<number> } {
    const tape = this.tapes.pop();
    if (!tape) throw new Error('endTape without startTape');
    return tape;
  }

  /** Drops one hold on each node; a node no tape holds any more frees its handles. */
  releaseNodes(nodes: readonly TapeNode[]): void {
    for (const node of nodes) {
      if (--node.holds > 0) continue;
      for (const t of node.inputs) t.dispose();
      node.output.dispose();
    }
  }

  /** Whether some open tape tracks one of `inputs` (so an op on them would be recorded). */
  isTracked(inputs: readonly Tensor[]): boolean {
    return this.tapes.some((tape) => inputs.some((t) => tape.tracked.has(t.id)));
  }

  /** Runs `fn` with every tape closed, so nothing it does is recorded. */
  untracked<T>(fn: () => T): T {
    const saved = this.tapes.splice(0, this.tapes.length);
    try {
      return fn();
    } finally {
      this.tapes.push(...saved);
    }
  }

  /** The tape's own handle on `t`: same id and storage, its own lifetime, in no `tidy` scope. */
  private handle(t: Tensor): Tensor {
    const handle = new Tensor(t.storage, t.shape, t.backend, t.id);
    this.keep(handle);
    return handle;
  }

  /** Records an op on every open tape that tracks one of its inputs. */
  record(opName: string, inputs: readonly Tensor[], output: Tensor, backward: BackwardFn): void {
    let node: TapeNode | null = null;
    for (const tape of this.tapes) {
      if (!inputs.some((t) => tape.tracked.has(t.id))) continue;
      if (!node) {
        const handle = (t: Tensor) => this.handle(t);
        node = { opName, inputs: inputs.map(handle), output: handle(output), backward, holds: 0 };
      }
      node.holds++;
      tape.tracked.add(output.id);
      tape.nodes.push(node);
    }
  }
}

export const engine = new Engine();
