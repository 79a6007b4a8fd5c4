import type { Backend } from './backend.js';
import type { Tensor } from './tensor.js';

/** A recorded op: how to turn the output's gradient into its inputs' gradients. */
export interface TapeNode {
  readonly opName: string;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  /** Returns one gradient per input (null where the input gets none), written with core ops. */
  readonly backward: (dy: Tensor) => (Tensor | null)[];
}

interface Tape {
  readonly nodes: TapeNode[];
  /** Ids of the tensors whose gradient is wanted, or that depend on one. */
  readonly tracked: Set<number>;
}

/**
 * Global bookkeeping: the current backend, the live-tensor count, `tidy` scopes, storage reference counts
 * (reshape shares storage) and the autograd tape.
 */
class Engine {
  private current: Backend | null = null;
  private readonly registry = new Map<string, () => Backend>();
  private readonly refCounts = new Map<unknown, number>();
  private readonly scopes: Set<Tensor>[] = [];
  private readonly tapes: Tape[] = [];
  /** Tensors created and not yet disposed. */
  numTensors = 0;

  registerBackend(name: string, factory: () => Backend): void {
    this.registry.set(name, factory);
  }

  setBackend(backend: Backend | string): Backend {
    if (typeof backend === 'string') {
      const factory = this.registry.get(backend);
      if (!factory) {
        const known = [...this.registry.keys()].join(', ') || 'none';
        throw new Error(`setBackend: no backend named '${backend}' is registered (registered: ${known})`);
      }
      backend = factory();
    }
    this.current = backend;
    return backend;
  }

  get backend(): Backend {
    if (!this.current) {
      const factory = this.registry.values().next().value;
      if (!factory) {
        throw new Error(
          "No backend is set. Install one and select it, e.g. `import { cpu } from '@cnn/backend-cpu'; setBackend(cpu());`",
        );
      }
      this.current = factory();
    }
    return this.current;
  }

  hasBackend(): boolean {
    return this.current !== null;
  }

  track(t: Tensor): void {
    this.numTensors++;
    this.refCounts.set(t.storage, (this.refCounts.get(t.storage) ?? 0) + 1);
    this.scopes[this.scopes.length - 1]?.add(t);
  }

  release(t: Tensor): void {
    this.numTensors--;
    const count = (this.refCounts.get(t.storage) ?? 1) - 1;
    if (count <= 0) {
      this.refCounts.delete(t.storage);
      t.backend.dispose(t.storage);
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

  // ---- autograd tape ----
  startTape(watched: readonly Tensor[]): void {
    this.tapes.push({ nodes: [], tracked: new Set(watched.map((t) => t.id)) });
  }

  endTape(): TapeNode[] {
    const tape = this.tapes.pop();
    if (!tape) throw new Error('endTape without startTape');
    return tape.nodes;
  }

  /** Records an op on the innermost tape if any input is tracked there. */
  record(node: TapeNode): void {
    const tape = this.tapes[this.tapes.length - 1];
    if (!tape || !node.inputs.some((t) => tape.tracked.has(t.id))) return;
    tape.tracked.add(node.output.id);
    tape.nodes.push(node);
  }

  isRecording(): boolean {
    return this.tapes.length > 0;
  }

  /** Runs `fn` without recording (used while computing gradients). */
  withoutTape<T>(fn: () => T): T {
    const saved = this.tapes.splice(0, this.tapes.length);
    try {
      return fn();
    } finally {
      this.tapes.push(...saved);
    }
  }
}

export const engine = new Engine();
