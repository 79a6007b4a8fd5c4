import type { Backend, Tensor } from '@cnn/core';
import * as cnn from '@cnn/core';
import { Attrs, adapters, type OpInputs } from './adapters.js';
import type { Fixture } from './fixture.js';
import type { Kind } from './layout.js';
import { type Pending, upload } from './run.js';

interface NetworkNode {
  op: string;
  inputs: string[];
  output: string;
  attrs?: Record<string, unknown>;
}

interface Architecture {
  input: string;
  output: string;
  nodes: NetworkNode[];
  params: { name: string; trainable: boolean }[];
}

/**
 * Runs a whole `Network` fixture node by node through the same op adapters, as an ONNX importer would:
 * activations stay NHWC between nodes; a Flatten of an image first restores the reference's NCHW order
 * (the following dense weights expect it), and a channel Concat on an image joins on our last axis.
 */
export function runNetwork(fx: Fixture, backend: Backend): Pending[] {
  const arch = fx.attrs.architecture as Architecture;
  const images = new Set<string>([arch.input]);
  const kinds = new Map<string, Kind>([[arch.input, 'image']]);
  for (const node of arch.nodes) {
    if (node.op === 'Conv' && node.inputs[1]) kinds.set(node.inputs[1], 'convWeight');
  }
  const specs = fx.inputs.filter((t) => t.name !== 'dY');
  const values = new Map<string, Tensor>(
    specs.map((s) => [s.name, upload(s, kinds.get(s.name) ?? 'plain', backend)]),
  );

  const differentiated = fx.outputs.filter((t) => t.grad_of).map((t) => t.grad_of!);
  const forward = (...xs: Tensor[]): Tensor => {
    const env = new Map(values);
    differentiated.forEach((name, i) => env.set(name, xs[i]!));
    for (const node of arch.nodes) {
      const list = node.inputs.map((name) => {
        const t = env.get(name);
        if (!t)
          throw new Error(
            `${fx.name}: node ${node.op} -> ${node.output} reads '${name}', which is not defined yet`,
          );
        return t;
      });
      const inputIsImage = images.has(node.inputs[0]!);
      const attrs = { ...node.attrs };
      let output: Tensor;
      if (node.op === 'Flatten' && inputIsImage) {
        output = cnn.flatten(cnn.transpose(list[0]!, [0, 3, 1, 2]), (attrs.axis as number | undefined) ?? 1);
      } else if (node.op === 'Concat' && inputIsImage) {
        const axis = (attrs.axis as number | undefined) ?? 1;
        output = cnn.concat(list, axis === 1 || axis === -3 ? 3 : axis);
      } else {
        const adapter = adapters[node.op];
        if (!adapter) throw new Error(`${fx.name}: no adapter for node op ${node.op}`);
        const inputs: OpInputs = { list, byName: {}, host: {} };
        output = adapter.run(inputs, new Attrs(attrs), fx)[0]!;
      }
      if (inputIsImage && output.rank === 4) images.add(node.output);
      env.set(node.output, output);
    }
    return env.get(arch.output)!;
  };

  const yRef = fx.outputs.find((t) => !t.grad_of)!;
  const dySpec = fx.inputs.find((t) => t.name === 'dY');
  const pending: Pending[] = [];
  if (!dySpec) {
    const y = forward(...differentiated.map((n) => values.get(n)!));
    return [{ tensor: y, kind: images.has(arch.output) ? 'image' : 'plain', ref: yRef }];
  }
  // Run once to learn the output's layout, then differentiate Σ Y·dY.
  const probe = forward(...differentiated.map((n) => values.get(n)!));
  const yKind: Kind = images.has(arch.output) ? 'image' : 'plain';
  const dy = upload(dySpec, yKind, backend);
  const { value, grads } = cnn.valueAndGrads(
    forward,
    differentiated.map((n) => values.get(n)!),
    dy,
  );
  probe.dispose();
  pending.push({ tensor: value, kind: yKind, ref: yRef });
  fx.outputs
    .filter((t) => t.grad_of)
    .forEach((ref, i) => pending.push({ tensor: grads[i]!, kind: kinds.get(ref.grad_of!) ?? 'plain', ref }));
  return pending;
}
