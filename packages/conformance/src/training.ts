import type { Backend } from '@cnn/core';
import * as cnn from '@cnn/core';

/**
 * Training checks every backend must pass, each against an independent float64 reference computed here:
 * a linear model with a mean-squared-error loss has the closed-form gradient 2/(N·O)·xᵀ(xW + b - t), so
 * the optimizers' update rules (PyTorch's) can be replayed exactly in float64 and compared.
 */
export interface TrainingCheck {
  name: string;
  /** Runs the check; resolves to `null` when it passes, else to what went wrong. */
  run(backend: Backend): Promise<string | null>;
}

type Rule = (
  w: Float64Array,
  g: Float64Array,
  state: Map<string, Float64Array>,
  step: number,
  key: string,
) => void;

const N = 6;
const IN = 5;
const OUT = 3;

function data(seed: number) {
  const rng = new cnn.Random(seed);
  const x = Float32Array.from({ length: N * IN }, () => rng.normal());
  const t = Float32Array.from({ length: N * OUT }, () => rng.normal());
  const w = Float32Array.from({ length: IN * OUT }, () => rng.normal(0, 0.5));
  const b = Float32Array.from({ length: OUT }, () => rng.normal(0, 0.5));
  return { x, t, w, b };
}

/** Replays `steps` full-batch steps of `rule` in float64; returns the final [W, b]. */
function reference(
  seed: number,
  steps: number,
  rule: Rule,
  clip: { norm?: number; value?: number } = {},
): [Float64Array, Float64Array] {
  const { x, t, w: w0, b: b0 } = data(seed);
  const w = Float64Array.from(w0);
  const b = Float64Array.from(b0);
  const state = new Map<string, Float64Array>();
  for (let step = 1; step <= steps; step++) {
    const gw = new Float64Array(IN * OUT);
    const gb = new Float64Array(OUT);
    for (let n = 0; n < N; n++) {
      for (let o = 0; o < OUT; o++) {
        let y = b[o]!;
        for (let i = 0; i < IN; i++) y += x[n * IN + i]! * w[i * OUT + o]!;
        const r = (2 / (N * OUT)) * (y - t[n * OUT + o]!);
        gb[o]! += r;
        for (let i = 0; i < IN; i++) gw[i * OUT + o]! += r * x[n * IN + i]!;
      }
    }
    // Clipping as torch.nn.utils: each element to [-value, value], then both gradients scaled together
    // by min(1, norm / (global L2 norm + 1e-6)).
    if (clip.value !== undefined) {
      for (const g of [gw, gb])
        for (let i = 0; i < g.length; i++) g[i] = Math.max(-clip.value, Math.min(clip.value, g[i]!));
    }
    if (clip.norm !== undefined) {
      let total = 0;
      for (const g of [gw, gb]) for (const v of g) total += v * v;
      const coefficient = Math.min(1, clip.norm / (Math.sqrt(total) + 1e-6));
      for (const g of [gw, gb]) for (let i = 0; i < g.length; i++) g[i]! *= coefficient;
    }
    rule(w, gw, state, step, 'w');
    rule(b, gb, state, step, 'b');
  }
  return [w, b];
}

async function ours(
  backend: Backend,
  seed: number,
  steps: number,
  optimizer: cnn.Optimizer,
): Promise<Float32Array[]> {
  cnn.setBackend(backend);
  const { x, t, w, b } = data(seed);
  const model = cnn.sequential([IN], [new cnn.Dense({ name: 'fc', units: OUT })], { seed });
  model.setWeights([
    { name: 'fc/kernel', tensor: cnn.tensor(w, [IN, OUT]) },
    { name: 'fc/bias', tensor: cnn.tensor(b, [OUT]) },
  ]);
  const xs = cnn.tensor(x, [N, IN]);
  const ts = cnn.tensor(t, [N, OUT]);
  try {
    model.compile({ optimizer, loss: 'meanSquaredError' });
    await model.fit(xs, ts, { epochs: steps, batchSize: N, shuffle: false });
    return [await model.variables[0]!.read().data(), await model.variables[1]!.read().data()];
  } finally {
    model.dispose();
    optimizer.dispose();
    xs.dispose();
    ts.dispose();
  }
}

function compareWeights(name: string, got: Float32Array[], want: Float64Array[]): string | null {
  for (let k = 0; k < want.length; k++) {
    for (let i = 0; i < want[k]!.length; i++) {
      const a = got[k]![i]!;
      const e = want[k]![i]!;
      if (!(Math.abs(a - e) <= 1e-5 + 1e-4 * Math.abs(e))) {
        return `${name}: ${k === 0 ? 'kernel' : 'bias'}[${i}] is ${a}, the float64 replay of the update rule gives ${e}`;
      }
    }
  }
  return null;
}

const slot = (state: Map<string, Float64Array>, key: string, size: number) => {
  if (!state.has(key)) state.set(key, new Float64Array(size));
  return state.get(key)!;
};

function sgdRule(
  lr: number,
  momentum: number,
  dampening: number,
  nesterov: boolean,
  weightDecay: number,
): Rule {
  return (w, g, state, step, key) => {
    const v = slot(state, key, w.length);
    for (let i = 0; i < w.length; i++) {
      let d = g[i]! + weightDecay * w[i]!;
      if (momentum !== 0) {
        v[i] = step === 1 ? d : momentum * v[i]! + (1 - dampening) * d;
        d = nesterov ? d + momentum * v[i]! : v[i]!;
      }
      w[i]! -= lr * d;
    }
  };
}

function adamRule(
  lr: number,
  b1: number,
  b2: number,
  eps: number,
  weightDecay: number,
  decoupled: boolean,
): Rule {
  return (w, g, state, step, key) => {
    const m = slot(state, `${key}.m`, w.length);
    const v = slot(state, `${key}.v`, w.length);
    for (let i = 0; i < w.length; i++) {
      let d = g[i]!;
      if (decoupled) w[i]! *= 1 - lr * weightDecay;
      else d += weightDecay * w[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * d;
      v[i] = b2 * v[i]! + (1 - b2) * d * d;
      const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** step) + eps;
      w[i]! -= (lr / (1 - b1 ** step)) * (m[i]! / denom);
    }
  };
}

function rmspropRule(
  lr: number,
  rho: number,
  eps: number,
  momentum: number,
  centered: boolean,
  weightDecay: number,
): Rule {
  return (w, g, state, _step, key) => {
    const s = slot(state, `${key}.s`, w.length);
    const a = slot(state, `${key}.a`, w.length);
    const buf = slot(state, `${key}.buf`, w.length);
    for (let i = 0; i < w.length; i++) {
      const d = g[i]! + weightDecay * w[i]!;
      s[i] = rho * s[i]! + (1 - rho) * d * d;
      let variance = s[i]!;
      if (centered) {
        a[i] = rho * a[i]! + (1 - rho) * d;
        variance -= a[i]! * a[i]!;
      }
      const update = d / (Math.sqrt(variance) + eps);
      if (momentum > 0) {
        buf[i] = momentum * buf[i]! + update;
        w[i]! -= lr * buf[i]!;
      } else w[i]! -= lr * update;
    }
  };
}

function adagradRule(lr: number, lrDecay: number, initial: number, eps: number, weightDecay: number): Rule {
  return (w, g, state, step, key) => {
    if (!state.has(`${key}.sum`)) state.set(`${key}.sum`, new Float64Array(w.length).fill(initial));
    const sum = state.get(`${key}.sum`)!;
    const rate = lr / (1 + (step - 1) * lrDecay);
    for (let i = 0; i < w.length; i++) {
      const d = g[i]! + weightDecay * w[i]!;
      sum[i]! += d * d;
      w[i]! -= (rate * d) / (Math.sqrt(sum[i]!) + eps);
    }
  };
}

/** The training checks: optimizers against their update rules, BatchNorm statistics, fit memory, seeded initial weights. */
export const trainingChecks: TrainingCheck[] = [
  {
    name: 'SGD (plain) matches torch.optim.SGD',
    run: async (b) =>
      compareWeights(
        'SGD',
        await ours(b, 1, 4, new cnn.SGD({ learningRate: 0.1 })),
        reference(1, 4, sgdRule(0.1, 0, 0, false, 0)),
      ),
  },
  {
    name: 'SGD with momentum, dampening and weight decay matches torch.optim.SGD',
    run: async (b) =>
      compareWeights(
        'SGD momentum',
        await ours(
          b,
          2,
          5,
          new cnn.SGD({ learningRate: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }),
        ),
        reference(2, 5, sgdRule(0.05, 0.9, 0.1, false, 0.01)),
      ),
  },
  {
    name: 'SGD with Nesterov momentum matches torch.optim.SGD',
    run: async (b) =>
      compareWeights(
        'SGD Nesterov',
        await ours(b, 3, 5, new cnn.SGD({ learningRate: 0.05, momentum: 0.8, nesterov: true })),
        reference(3, 5, sgdRule(0.05, 0.8, 0, true, 0)),
      ),
  },
  {
    name: 'Adam with weight decay matches torch.optim.Adam',
    run: async (b) =>
      compareWeights(
        'Adam',
        await ours(b, 4, 6, new cnn.Adam({ learningRate: 0.01, weightDecay: 0.05 })),
        reference(4, 6, adamRule(0.01, 0.9, 0.999, 1e-8, 0.05, false)),
      ),
  },
  {
    name: 'AdamW (decoupled weight decay) matches torch.optim.AdamW',
    run: async (b) =>
      compareWeights(
        'AdamW',
        await ours(
          b,
          5,
          6,
          new cnn.Adam({
            learningRate: 0.01,
            beta1: 0.8,
            beta2: 0.99,
            weightDecay: 0.1,
            decoupledWeightDecay: true,
          }),
        ),
        reference(5, 6, adamRule(0.01, 0.8, 0.99, 1e-8, 0.1, true)),
      ),
  },
  {
    name: 'RMSprop (momentum, centered, weight decay) matches torch.optim.RMSprop',
    run: async (b) =>
      compareWeights(
        'RMSprop',
        await ours(
          b,
          7,
          6,
          new cnn.RMSprop({
            learningRate: 0.005,
            rho: 0.9,
            epsilon: 1e-6,
            momentum: 0.8,
            centered: true,
            weightDecay: 0.05,
          }),
        ),
        reference(7, 6, rmspropRule(0.005, 0.9, 1e-6, 0.8, true, 0.05)),
      ),
  },
  {
    name: 'RMSprop (defaults) matches torch.optim.RMSprop',
    run: async (b) =>
      compareWeights(
        'RMSprop defaults',
        await ours(b, 8, 5, new cnn.RMSprop()),
        reference(8, 5, rmspropRule(0.01, 0.99, 1e-8, 0, false, 0)),
      ),
  },
  {
    name: 'Adagrad (lr decay, initial accumulator, weight decay) matches torch.optim.Adagrad',
    run: async (b) =>
      compareWeights(
        'Adagrad',
        await ours(
          b,
          9,
          6,
          new cnn.Adagrad({
            learningRate: 0.1,
            lrDecay: 0.05,
            initialAccumulatorValue: 0.1,
            weightDecay: 0.02,
          }),
        ),
        reference(9, 6, adagradRule(0.1, 0.05, 0.1, 1e-10, 0.02)),
      ),
  },
  {
    name: 'gradient clipping by global norm matches torch.nn.utils.clip_grad_norm_ (SGD momentum)',
    run: async (b) =>
      compareWeights(
        'SGD clipNorm',
        await ours(b, 10, 5, new cnn.SGD({ learningRate: 0.1, momentum: 0.9, clipNorm: 0.4 })),
        reference(10, 5, sgdRule(0.1, 0.9, 0, false, 0), { norm: 0.4 }),
      ),
  },
  {
    name: 'gradient clipping by value then norm matches torch.nn.utils (Adam)',
    run: async (b) =>
      compareWeights(
        'Adam clipValue + clipNorm',
        await ours(b, 11, 5, new cnn.Adam({ learningRate: 0.01, clipValue: 0.1, clipNorm: 0.15 })),
        reference(11, 5, adamRule(0.01, 0.9, 0.999, 1e-8, 0, false), { value: 0.1, norm: 0.15 }),
      ),
  },
  {
    name: 'BatchNorm running statistics follow PyTorch (momentum 0.1, unbiased variance)',
    run: async (backend) => {
      cnn.setBackend(backend);
      const rng = new cnn.Random(6);
      const n = 4;
      const c = 3;
      const x = Float32Array.from({ length: n * 2 * 2 * c }, () => rng.normal(1, 2));
      const model = cnn.sequential(
        [2, 2, c],
        [
          new cnn.BatchNorm({ name: 'bn' }),
          new cnn.GlobalAveragePool({ name: 'gap' }),
          new cnn.Dense({ name: 'fc', units: 2 }),
        ],
        { seed: 6 },
      );
      const xs = cnn.tensor(x, [n, 2, 2, c]);
      const ys = cnn.tensor([0, 1, 1, 0]);
      try {
        model.compile({ optimizer: new cnn.SGD({ learningRate: 0.1 }), loss: 'softmaxCrossEntropy' });
        await model.fit(xs, ys, { epochs: 2, batchSize: n, shuffle: false });
        const mean = await model.variables[2]!.read().data();
        const variance = await model.variables[3]!.read().data();
        const count = n * 4;
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let i = 0; i < count; i++) s += x[i * c + ch]!;
          const mu = s / count;
          let ss = 0;
          for (let i = 0; i < count; i++) ss += (x[i * c + ch]! - mu) ** 2;
          const unbiased = ss / (count - 1);
          // Two identical batches: running = 0.81·initial + 0.19·batch statistic.
          const wantMean = 0.81 * 0 + 0.19 * mu;
          const wantVar = 0.81 * 1 + 0.19 * unbiased;
          if (Math.abs(mean[ch]! - wantMean) > 1e-5 + 1e-4 * Math.abs(wantMean))
            return `running mean[${ch}] ${mean[ch]} != ${wantMean}`;
          if (Math.abs(variance[ch]! - wantVar) > 1e-5 + 1e-4 * Math.abs(wantVar))
            return `running var[${ch}] ${variance[ch]} != ${wantVar}`;
        }
        return null;
      } finally {
        model.dispose();
        xs.dispose();
        ys.dispose();
      }
    },
  },
  {
    // Weights are drawn on the host from core's Random, in layer order, and only then uploaded: the
    // backend must hand back exactly those float32 values, so a seed means the same net everywhere.
    name: 'the same seed gives bit-identical initial weights (He, Glorot, zeros, ones)',
    run: async (backend) => {
      cnn.setBackend(backend);
      const model = cnn
        .sequential(
          [8, 8, 3],
          [
            new cnn.Conv2D({ filters: 4, kernelSize: 3, kernelInitializer: 'heNormal' }),
            new cnn.BatchNorm(),
            new cnn.Flatten(),
            new cnn.Dense({ units: 5, kernelInitializer: 'glorotUniform' }),
          ],
          { seed: 11 },
        )
        .initialize();
      try {
        const random = new cnn.Random(11);
        for (const v of model.variables) {
          const want = cnn.initialize(v.spec.initializer, v.spec.shape, random);
          const got = await v.read().data();
          const i = want.findIndex((w, k) => w !== got[k]);
          if (got.length !== want.length || i >= 0)
            return `${v.name}[${i}] is ${got[i]} on ${backend.name}, the seed drew ${want[i]}`;
        }
        return null;
      } finally {
        model.dispose();
      }
    },
  },
  {
    name: 'fit keeps the live-tensor count flat (conv, batch norm, dropout, Adam)',
    run: async (backend) => {
      cnn.setBackend(backend);
      const model = cnn.sequential(
        [6, 6, 1],
        [
          new cnn.Conv2D({ filters: 3, kernelSize: 3, activation: 'relu' }),
          new cnn.BatchNorm(),
          new cnn.MaxPool2D({ poolSize: 2 }),
          new cnn.Flatten(),
          new cnn.Dropout({ rate: 0.3 }),
          new cnn.Dense({ units: 2 }),
        ],
        { seed: 7 },
      );
      const xs = cnn.randomNormal([8, 6, 6, 1], 0, 1, { seed: 8 });
      const ys = cnn.tensor([0, 1, 0, 1, 1, 0, 1, 0]);
      const optimizer = new cnn.Adam({ learningRate: 0.01 });
      try {
        model.compile({ optimizer, loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
        await model.fit(xs, ys, { epochs: 1, batchSize: 4 });
        const after1 = cnn.memory();
        await model.fit(xs, ys, { epochs: 3, batchSize: 4 });
        const after3 = cnn.memory();
        if (after1.numTensors !== after3.numTensors || after1.numBuffers !== after3.numBuffers) {
          return `live tensors ${after1.numTensors} -> ${after3.numTensors}, buffers ${after1.numBuffers} -> ${after3.numBuffers}`;
        }
        return null;
      } finally {
        model.dispose();
        optimizer.dispose();
        xs.dispose();
        ys.dispose();
      }
    },
  },
];
