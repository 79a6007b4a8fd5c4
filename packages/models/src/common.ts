import * as cnn from '@cnn/core';

/** Per-sample image shape, NHWC without the batch: `[height, width, channels]`. */
export type ImageShape = readonly [number, number, number];

/** Options every builder takes. */
export interface CommonOptions {
  /** Per-sample input shape `[height, width, channels]`. */
  inputShape?: ImageShape | undefined;
  /** Number of output classes (the last Dense layer's units; the model outputs logits). */
  classes?: number | undefined;
  /** Model name (default: the architecture's, e.g. `resnet18`). */
  name?: string | undefined;
  /** Seed of the initial weights and of dropout masks. */
  seed?: number | undefined;
}

/**
 * A channel count scaled by the width multiplier: `round(channels * width)`, at least `divisor`, and a
 * multiple of `divisor` (grouped convolutions need depths divisible by the number of groups).
 */
export function scaled(channels: number, width: number, divisor = 1): number {
  return Math.max(divisor, Math.round((channels * width) / divisor) * divisor);
}

export function checkPositive(where: string, name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new Error(`${where}: ${name} must be a positive number, got ${value}`);
  }
}

export function checkPositiveInt(where: string, name: string, value: number): void {
  if (!(Number.isInteger(value) && value > 0)) {
    throw new Error(`${where}: ${name} must be a positive integer, got ${value}`);
  }
}

export function checkRate(where: string, name: string, value: number): void {
  if (!(value >= 0 && value < 1)) throw new Error(`${where}: ${name} must be in [0, 1), got ${value}`);
}

export function checkInputShape(where: string, shape: ImageShape): void {
  if (shape.length !== 3 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(
      `${where}: inputShape must be [height, width, channels] of positive integers, got [${shape.join(',')}]`,
    );
  }
}

/** Dropout only when it would drop something (a rate of 0 adds no layer). */
export function dropout(x: cnn.SymbolicTensor, name: string, rate: number): cnn.SymbolicTensor {
  return rate > 0 ? new cnn.Dropout({ name, rate }).apply(x) : x;
}

/**
 * Conv, then (optionally) batch norm, then ReLU: the unit most modern CNNs repeat. Without batch norm the
 * ReLU is fused into the conv; with it, the conv has no bias unless `bias` says so (batch norm's beta
 * replaces it). Layers: `<name>` (the conv), `<name>.bn`, `<name>.relu`.
 */
export function convUnit(
  x: cnn.SymbolicTensor,
  name: string,
  config: Omit<cnn.Conv2DConfig, 'name' | 'activation' | 'useBias'> & {
    batchNorm: boolean;
    bias?: boolean;
    bnEpsilon?: number;
    relu?: boolean;
  },
): cnn.SymbolicTensor {
  const { batchNorm, bias, bnEpsilon, relu = true, ...conv } = config;
  const useBias = bias ?? !batchNorm;
  if (!batchNorm) {
    return new cnn.Conv2D({
      name,
      kernelInitializer: 'heNormal',
      ...conv,
      useBias,
      activation: relu ? 'relu' : 'linear',
    }).apply(x);
  }
  let y = new cnn.Conv2D({ name, kernelInitializer: 'heNormal', ...conv, useBias }).apply(x);
  y = new cnn.BatchNorm({ name: `${name}.bn`, epsilon: bnEpsilon }).apply(y);
  return relu ? new cnn.ReLU({ name: `${name}.relu` }).apply(y) : y;
}
