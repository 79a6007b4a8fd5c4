import type { Backend, Tensor } from '@cnn/core';
import * as cnn from '@cnn/core';
import type { Fixture } from './fixture.js';
import { type Architecture, assignParams, importArchitecture } from './importer.js';
import type { Kind } from './layout.js';
import { type Comparison, compare, inputElements, type Pending, upload } from './run.js';
import type { Tolerance } from './tolerance.js';

/**
 * A `Network` fixture through the layers API: import the architecture, load the reference weights, run
 * the model in inference mode and differentiate Σ Y·dY with respect to the image and every trainable weight.
 */
export function runNetwork(fx: Fixture, backend: Backend): Pending[] {
  const arch = fx.attrs.architecture as Architecture;
  const { model, bindings } = importArchitecture(arch);
  assignParams(fx, model, bindings);
  try {
    const spec = (name: string) => fx.inputs.find((t) => t.name === name)!;
    const x = upload(spec(arch.input), 'image', backend);
    const yKind: Kind = model.outputs[0]!.shape.length === 3 ? 'image' : 'plain';
    const dy = upload(spec('dY'), yKind, backend);
    const gradRefs = fx.outputs.filter((t) => t.grad_of);
    const differentiated = gradRefs.map((ref) =>
      ref.grad_of === arch.input ? x : bindings.get(ref.grad_of!)!.variable.read(),
    );
    const ctx: cnn.CallContext = { training: false, random: model.random, updates: [] };
    const { value, grads } = cnn.valueAndGrads(
      (...ts) => {
        const params = new Map<cnn.Variable, Tensor>();
        let input = x;
        gradRefs.forEach((ref, i) => {
          if (ref.grad_of === arch.input) input = ts[i]!;
          else params.set(bindings.get(ref.grad_of!)!.variable, ts[i]!);
        });
        return model.forward([input], ctx, params)[0]!;
      },
      differentiated,
      dy,
    );
    // Every input and weight can reach every output of these nets: their count bounds the terms.
    const terms = inputElements(fx);
    const pending: Pending[] = [
      { tensor: value, kind: yKind, ref: fx.outputs.find((t) => !t.grad_of)!, terms },
    ];
    gradRefs.forEach((ref, i) => {
      const binding = bindings.get(ref.grad_of!);
      pending.push(
        binding
          ? {
              tensor: grads[i]!,
              kind: 'plain',
              ref,
              terms,
              convert: (d) => ({ data: binding.toReference(d), shape: ref.shape }),
            }
          : { tensor: grads[i]!, kind: 'image', ref, terms },
      );
    });
    return pending;
  } finally {
    model.dispose();
  }
}

/**
 * A `TrainStep` fixture: the imported model trained with `fit` (no shuffling, one batch per step) and the
 * fixture's optimizer; compares the loss before each step and every weight after the last one.
 */
export async function runTrainStep(fx: Fixture, backend: Backend, tol: Tolerance): Promise<Comparison[]> {
  cnn.setBackend(backend);
  const arch = fx.attrs.architecture as Architecture;
  const opt = fx.attrs.optimizer as {
    type: string;
    lr: number;
    momentum: number;
    dampening: number;
    weight_decay: number;
    nesterov: boolean;
  };
  if (opt.type !== 'SGD')
    throw new Error(`${fx.name}: optimizer ${opt.type} is not supported by the harness`);
  const steps = fx.attrs.steps as number;
  const { model, bindings } = importArchitecture(arch);
  const optimizer = new cnn.SGD({
    learningRate: opt.lr,
    momentum: opt.momentum,
    dampening: opt.dampening,
    weightDecay: opt.weight_decay,
    nesterov: opt.nesterov,
  });
  const spec = (name: string) => fx.inputs.find((t) => t.name === name)!;
  const x = upload(spec(arch.input), 'image', backend);
  const labels = cnn.tensor(Float32Array.from(spec('labels').data), spec('labels').shape, backend);
  try {
    assignParams(fx, model, bindings);
    model.compile({ optimizer, loss: 'softmaxCrossEntropy' });
    const history = await model.fit(x, labels, { epochs: steps, batchSize: x.shape[0]!, shuffle: false });
    const comparisons: Comparison[] = [];
    const lossRef = fx.outputs.find((t) => t.name === 'loss')!;
    comparisons.push(
      compare(
        fx.name,
        'loss',
        { data: Float32Array.from(history.map((h) => h.loss)), shape: [steps] },
        lossRef,
        tol,
        inputElements(fx),
      ),
    );
    for (const [name, binding] of bindings) {
      const ref = fx.outputs.find((t) => t.name === `final.${name}`);
      if (!ref) continue;
      const ours = binding.toReference(await binding.variable.read().data());
      comparisons.push(
        compare(fx.name, ref.name, { data: ours, shape: ref.shape }, ref, tol, inputElements(fx)),
      );
    }
    return comparisons;
  } finally {
    model.dispose();
    optimizer.dispose();
    x.dispose();
    labels.dispose();
  }
}
