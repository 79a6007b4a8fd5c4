import type { Backend, Tensor } from '@cnn/core';
import * as cnn from '@cnn/core';
import { Attrs, adapters, type OpInputs } from './adapters.js';
import type { Fixture, FixtureTensor } from './fixture.js';
import { type Kind, toOurs, toReference } from './layout.js';
import { runNetwork, runTrainStep } from './network.js';
import {
  elementBound,
  fixtureResolution,
  referenceResolution,
  scaleOf,
  type Tolerance,
} from './tolerance.js';

/** The outcome of one conformance case. */
export type Status = 'pass' | 'fail' | 'skip';

/** The result of one conformance case: its status, the worst error against its bound, and why it failed or was skipped. */
export interface CaseResult {
  fixture: string;
  suite: string;
  op: string;
  status: Status;
  /** Skip reason or failure message. */
  message?: string;
  /** Tensors compared. */
  compared: number;
  /** Largest |ours - ref| / bound over every compared element (<= 1 passes); null for checks without one. */
  worstRatio: number | null;
}

export interface Comparison {
  name: string;
  ok: boolean;
  message: string;
  worstRatio: number;
}

/**
 * Compares ours against the reference element-wise with the bound of tolerance.ts: `terms` is the
 * number of terms summed into one element. The message names the worst element.
 */
export function compare(
  fixture: string,
  name: string,
  ours: { data: Float32Array; shape: readonly number[] },
  ref: FixtureTensor,
  tol: Tolerance,
  terms: number,
  resolution = referenceResolution(ref.data),
): Comparison {
  const shapeOk = ours.shape.length === ref.shape.length && ours.shape.every((d, i) => d === ref.shape[i]);
  if (!shapeOk) {
    return {
      name,
      ok: false,
      worstRatio: Number.POSITIVE_INFINITY,
      message: `${fixture}: ${name} has shape [${ours.shape}] but the reference has [${ref.shape}]`,
    };
  }
  const scale = scaleOf(ref.data);
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < ref.data.length; i++) {
    const r = Math.fround(ref.data[i]!);
    const o = ours.data[i]!;
    const diff = o === r || (Number.isNaN(o) && Number.isNaN(r)) ? 0 : Math.abs(o - r);
    // A bound of 0 (an all-zero reference) admits only exact agreement, not 0/0.
    const ratio = diff === 0 ? 0 : diff / elementBound(tol, r, scale, terms, resolution);
    if (!(ratio <= worst)) {
      worst = Number.isNaN(ratio) ? Number.POSITIVE_INFINITY : ratio;
      worstIndex = i;
    }
  }
  const ok = worst <= 1;
  const at = worstIndex >= 0 ? unravel(worstIndex, ref.shape) : [];
  const r = Math.fround(ref.data[worstIndex] ?? 0);
  const message = ok
    ? `${fixture}: ${name} ok (worst ${(worst * 100).toFixed(1)}% of tolerance)`
    : `${fixture}: ${name}[${at}] is ${ours.data[worstIndex]} but the reference is ${r} (|diff| ${Math.abs(ours.data[worstIndex]! - r).toExponential(3)} > bound ${elementBound(tol, r, scale, terms, resolution).toExponential(3)}: ${terms} terms, scale ${scale.toExponential(3)})`;
  return { name, ok, message, worstRatio: worst };
}

function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = index % shape[i]!;
    index = Math.floor(index / shape[i]!);
  }
  return out;
}

/** Why a fixture is skipped (an op or layout outside the kernel list), or `undefined` when it runs. */
export function skipReason(fx: Fixture): string | undefined {
  if (fx.op === 'Network' || fx.op === 'TrainStep') return undefined;
  const adapter = adapters[fx.op];
  if (!adapter) return `op ${fx.op} has no adapter`;
  return adapter.skip?.(fx);
}

/** Runs one fixture on `backend`: forward outputs and, where the fixture has them, gradients. */
export async function runFixture(fx: Fixture, backend: Backend, tol: Tolerance): Promise<CaseResult> {
  const base = { fixture: fx.name, suite: fx.suite, op: fx.op, compared: 0, worstRatio: 0 };
  const reason = skipReason(fx);
  if (reason) return { ...base, status: 'skip', message: reason };
  let comparisons: Comparison[];
  try {
    if (fx.op === 'TrainStep') return finish(base, await runTrainStep(fx, backend, tol));
    let pending: Pending[] = [];
    const tensors = cnn.tidy(() => {
      pending = fx.op === 'Network' ? runNetwork(fx, backend) : runSingleOp(fx, backend);
      return pending.map((p) => p.tensor);
    });
    try {
      comparisons = [];
      for (const p of pending) {
        const data = p.convert ? p.convert(await p.tensor.data()) : await download(p.tensor, p.kind);
        const resolution = fixtureResolution(
          p.ref.data,
          fx.inputs.map((t) => t.data),
        );
        comparisons.push(compare(fx.name, p.ref.name, data, p.ref, tol, p.terms, resolution));
      }
    } finally {
      tensors.forEach((t) => t.dispose());
    }
  } catch (error) {
    return { ...base, status: 'fail', message: `${fx.name}: threw ${(error as Error).stack ?? error}` };
  }
  return finish(base, comparisons);
}

function finish(base: Omit<CaseResult, 'status'>, comparisons: Comparison[]): CaseResult {
  const failed = comparisons.filter((c) => !c.ok);
  return {
    ...base,
    status: failed.length ? 'fail' : 'pass',
    message: failed.length ? failed.map((c) => c.message).join('\n') : undefined,
    compared: comparisons.length,
    worstRatio: Math.max(0, ...comparisons.map((c) => c.worstRatio)),
  };
}

/** A computed tensor (in our layout, `kind` says how to convert it back) and its reference. */
export interface Pending {
  tensor: Tensor;
  kind: Kind;
  ref: FixtureTensor;
  /** The number of terms summed into one element (tolerance.ts). */
  terms: number;
  /** A custom conversion to the reference layout (imported network weights). */
  convert?: (data: Float32Array) => { data: Float32Array; shape: number[] };
}

/** The number of elements a fixture's inputs hold: no output element can sum more terms than that. */
export function inputElements(fx: Fixture): number {
  return fx.inputs.reduce((n, t) => n + t.data.length, 0);
}

function termsOf(fx: Fixture, ref: FixtureTensor): number {
  return adapters[fx.op]?.terms?.(fx, ref) ?? inputElements(fx);
}

function runSingleOp(fx: Fixture, backend: Backend): Pending[] {
  const adapter = adapters[fx.op]!;
  const attrs = new Attrs(fx.attrs);
  const gradOutputs = fx.outputs.filter((t) => t.grad_of);
  const forwardOutputs = fx.outputs.filter((t) => !t.grad_of);
  const hasUpstream = fx.grad && fx.inputs.at(-1)?.name === 'dY';
  const opInputs = fx.inputs.slice(0, hasUpstream ? -1 : undefined);
  const kindOf = (name: string): Kind => adapter.inputKinds?.[name] ?? 'plain';
  const host: Record<string, number[]> = {};
  const tensors: { name: string; tensor: Tensor }[] = [];
  for (const spec of opInputs) {
    if (adapter.hostInputs?.includes(spec.name)) host[spec.name] = spec.data;
    else tensors.push({ name: spec.name, tensor: upload(spec, kindOf(spec.name), backend) });
  }
  const firstKind = kindOf(opInputs[0]!.name);
  const outputKind = adapter.outputKind ?? (firstKind === 'image' ? 'image' : 'plain');
  const call = (list: Tensor[]): Tensor[] => {
    const inputs: OpInputs = { list, byName: {}, host };
    tensors.forEach((t, i) => (inputs.byName[t.name] = list[i]));
    return adapter.run(inputs, attrs, fx);
  };

  const pairs: Pending[] = [];
  const outputs = call(tensors.map((t) => t.tensor));
  for (let i = 0; i < forwardOutputs.length; i++) {
    const ref = forwardOutputs[i]!;
    const t = outputs[i];
    if (!t) throw new Error(`adapter for ${fx.op} returned no output ${i} (${ref.name})`);
    // A training-mode BatchNormalization's running statistics are vectors; only Y is an image.
    const kind =
      i === 0 && (firstKind === 'image' || outputKind === 'image') && t.rank >= 3 ? 'image' : outputKind;
    pairs.push({ tensor: t, kind, ref, terms: termsOf(fx, ref) });
  }
  if (gradOutputs.length === 0) return pairs;

  // Gradients of Σ Y·dY with respect to every input the fixture differentiates.
  const diffIndex = gradOutputs.map((g) => tensors.findIndex((t) => t.name === g.grad_of));
  if (diffIndex.some((i) => i < 0))
    throw new Error(`${fx.name}: a gradient refers to an input that is not a tensor`);
  const yKind: Kind = firstKind === 'image' && outputs[0]!.rank >= 3 ? 'image' : 'plain';
  const dy = hasUpstream ? upload(fx.inputs.at(-1)!, yKind, backend) : undefined;
  const { grads } = cnn.valueAndGrads(
    (...xs) => {
      const list = tensors.map((t) => t.tensor);
      diffIndex.forEach((idx, k) => (list[idx] = xs[k]!));
      return call(list)[0]!;
    },
    diffIndex.map((i) => tensors[i]!.tensor),
    dy,
  );
  for (let k = 0; k < gradOutputs.length; k++) {
    const ref = gradOutputs[k]!;
    pairs.push({ tensor: grads[k]!, kind: kindOf(ref.grad_of!), ref, terms: termsOf(fx, ref) });
  }
  return pairs;
}

export function upload(spec: FixtureTensor, kind: Kind, backend: Backend): Tensor {
  const ours = toOurs(kind, Float32Array.from(spec.data), spec.shape);
  return cnn.tensor(ours.data, ours.shape, backend);
}

export async function download(t: Tensor, kind: Kind): Promise<{ data: Float32Array; shape: number[] }> {
  return toReference(kind, await t.data(), t.shape);
}
