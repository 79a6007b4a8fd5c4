import type * as cnn from '@cnn/core';

/** Per-sample output shape of the layer named `name`. */
export function shapeOf(model: cnn.Model, name: string): readonly number[] {
  const node = model.nodes.find((n) => n.layer.name === name);
  if (!node) throw new Error(`model '${model.name}' has no layer '${name}'`);
  return node.output.shape;
}

/** Number of batch norm channels (each has two trainable and two non-trainable values). */
export function batchNormChannels(model: cnn.Model): number {
  return model.layers
    .filter((l) => l.className === 'BatchNorm')
    .reduce((n, l) => n + l.variables[0]!.spec.shape[0]!, 0);
}
