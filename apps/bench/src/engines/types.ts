/**
 * What a subject (one of our backends, or a peer library) must provide to be benchmarked. Each subject
 * implements the same small contract on its own API; the harness never sees library specifics.
 */
import type { ConvSpec, KernelTask, PoolSpec } from '../tasks.js';
import type { NetDefinition } from './nets.js';

/** Thrown where a subject cannot do a task at all; the message is the reason shown in the report. */
export class Unsupported extends Error {
  override readonly name = 'Unsupported';
}

/** The kernel suite on one subject. `H` is the subject's tensor handle. */
export interface KernelOps<H = unknown> {
  /** Why this subject cannot run `task` (checked before anything is uploaded); undefined if it can. */
  cannot?(task: KernelTask): string | undefined;
  /** Copies values into the subject's memory (done before the clock starts). */
  upload(values: Float32Array, shape: readonly number[]): H;
  /** Reads a result back to the host (inside the clock, so lazy or asynchronous engines pay for it). */
  read(h: H): Promise<Float32Array>;
  dispose(h: H): void;
  matMul(a: H, b: H): H;
  conv2d(x: H, filter: H, conv: ConvSpec): H;
  conv2dBackpropInput(dy: H, filter: H, conv: ConvSpec): H;
  conv2dBackpropFilter(x: H, dy: H, conv: ConvSpec): H;
  maxPool(x: H, pool: PoolSpec): H;
}

/** Samples in a subject's memory: images `[count, ...inputShape]` and integer class labels. */
export type DataHandle = unknown;

/** A network built on one subject, with the definition's initial weights. */
export interface NetRunner {
  /** Resets every weight to the definition's initial values (outside the clock). */
  resetWeights(): Promise<void> | void;
  /** Copies samples into the subject's memory (outside the clock). */
  upload(images: Float32Array, labels: Float32Array, count: number): Promise<DataHandle> | DataHandle;
  /** Inference on all samples in batches of `batchSize`; the logits `[count, classes]`, read back. */
  predict(data: DataHandle, batchSize: number): Promise<Float32Array>;
  /**
   * One pass of plain SGD over the samples in order (no shuffling), batches of `batchSize`, mean
   * softmax cross-entropy per batch; returns each batch's loss, computed before that batch's update.
   */
  train(data: DataHandle, batchSize: number): Promise<number[]>;
  freeData(data: DataHandle): void;
  dispose(): void;
}

export interface ModelOps {
  /** Builds `net` with its initial weights and an SGD optimizer; throws `Unsupported` where it cannot. */
  build(net: NetDefinition, learningRate: number): Promise<NetRunner>;
}

export interface SubjectImpl {
  kernels: KernelOps;
  models: ModelOps;
  /** Package versions the subject runs on, for the report. */
  versions?: Record<string, string>;
}
