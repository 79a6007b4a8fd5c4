import type { Backend } from './backend.js';

/**
 * A backend that computes nothing: every kernel returns an empty handle. Running an op on its tensors
 * still runs core's validation and shape inference, so layers infer their output shapes (and report bad
 * shapes) by calling the very code that will run later, at no cost.
 */
export function shapeBackend(): Backend<null> {
  const none = (): null => null;
  const unreadable = (): never => {
    throw new Error('shape inference: values are not available while building a model');
  };
  return {
    name: 'shape-inference',
    upload: none,
    read: unreadable,
    dispose: none,
    numBuffers: () => 0,
    matMul: none,
    conv2d: none,
    conv2dBackpropInput: none,
    conv2dBackpropFilter: none,
    maxPool: none,
    maxPoolBackprop: none,
    avgPool: none,
    avgPoolBackprop: none,
    binary: none,
    unary: none,
    activation: none,
    activationGrad: none,
    where: none,
    reduce: none,
    softmax: none,
    logSoftmax: none,
    batchNorm: none,
    moments: none,
    lrn: none,
    lrnBackprop: none,
    broadcastTo: none,
    concat: none,
    slice: none,
    transpose: none,
    pad: none,
  };
}
