/**
 * Activations and their derivatives (`activationGrad` = dy * f'(x)).
 *
 * tfjs's elu and selu have fixed constants, and its softplus is `log(exp(x) + 1)` (inexact for very negative x
 * in float32): those are composed here with our parameters, softplus as max(x, 0) + log1p(exp(-|x|)).
 * Exact GELU is x * Phi(x) with Phi from tfjs's erf.
 */

import type { Activation } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { input, mask, type T } from './common.js';

const SQRT1_2 = Math.SQRT1_2;
/** 1/sqrt(2*pi): the standard normal density at 0. */
const INV_SQRT_2PI = 0.3989422804014327;
/** sqrt(2/pi), the tanh-GELU constant. */
const SQRT_2_OVER_PI = 0.7978845608028654;
const GELU_CUBIC = 0.044715;

/** The standard normal CDF. */
function phi(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.add(tf.erf(tf.mul(x, SQRT1_2)), 1), 0.5);
}

/** The inner argument of tanh-GELU: sqrt(2/pi) * (x + 0.044715 x^3). */
function geluTanhInner(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), GELU_CUBIC)), SQRT_2_OVER_PI);
}

function forward(x: tf.Tensor, act: Activation): tf.Tensor {
  switch (act.kind) {
    case 'relu':
      return tf.relu(x);
    case 'leakyRelu':
      return tf.where(tf.greaterEqual(x, 0), x, tf.mul(x, act.alpha));
    case 'elu':
      return tf.where(tf.greater(x, 0), x, tf.mul(tf.expm1(x), act.alpha));
    case 'selu':
      return tf.mul(tf.where(tf.greater(x, 0), x, tf.mul(tf.expm1(x), act.alpha)), act.gamma);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'softplus':
      return tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
    case 'gelu':
      if (act.approximate === 'tanh') return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(geluTanhInner(x)), 1));
      return tf.mul(x, phi(x));
    case 'hardSigmoid':
      return tf.clipByValue(tf.add(tf.mul(x, act.alpha), act.beta), 0, 1);
    case 'clip':
      return tf.minimum(tf.maximum(x, act.min), act.max);
    default:
      throw new Error(`tfjs backend: unknown activation ${JSON.stringify(act satisfies never)}`);
  }
}

/** f'(x). */
function derivative(x: tf.Tensor, act: Activation): tf.Tensor {
  switch (act.kind) {
    case 'relu':
      return mask(tf.greater(x, 0));
    case 'leakyRelu':
      return tf.where(tf.greaterEqual(x, 0), tf.onesLike(x), tf.fill(x.shape, act.alpha));
    case 'elu':
      return tf.where(tf.greater(x, 0), tf.onesLike(x), tf.mul(tf.exp(x), act.alpha));
    case 'selu':
      return tf.mul(tf.where(tf.greater(x, 0), tf.onesLike(x), tf.mul(tf.exp(x), act.alpha)), act.gamma);
    case 'sigmoid': {
      const s = tf.sigmoid(x);
      return tf.mul(s, tf.sub(1, s));
    }
    case 'tanh':
      return tf.sub(1, tf.square(tf.tanh(x)));
    case 'softplus':
      return tf.sigmoid(x);
    case 'gelu': {
      if (act.approximate === 'tanh') {
        const t = tf.tanh(geluTanhInner(x));
        const inner = tf.mul(tf.add(tf.mul(tf.square(x), 3 * GELU_CUBIC), 1), SQRT_2_OVER_PI);
        const slope = tf.mul(tf.mul(tf.mul(x, 0.5), tf.sub(1, tf.square(t))), inner);
        return tf.add(tf.mul(tf.add(t, 1), 0.5), slope);
      }
      // d/dx x*Phi(x) = Phi(x) + x*phi(x)
      const density = tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), INV_SQRT_2PI);
      return tf.add(phi(x), tf.mul(x, density));
    }
    case 'hardSigmoid': {
      const z = tf.add(tf.mul(x, act.alpha), act.beta);
      return tf.mul(mask(tf.logicalAnd(tf.greater(z, 0), tf.less(z, 1))), act.alpha);
    }
    case 'clip':
      return mask(tf.logicalAnd(tf.greaterEqual(x, act.min), tf.lessEqual(x, act.max)));
    default:
      throw new Error(`tfjs backend: unknown activation ${JSON.stringify(act satisfies never)}`);
  }
}

export function activation(x: T, act: Activation): tf.Tensor {
  return forward(input(x), act);
}

export function activationGrad(x: T, dy: T, act: Activation): tf.Tensor {
  return tf.mul(input(dy), derivative(input(x), act));
}
