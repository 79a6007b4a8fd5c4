import { tidy } from '../memory.js';
import { add } from '../ops/elementwise.js';
import type { Tensor } from '../tensor.js';
import type { Model } from './model.js';
import type { Optimizer } from './optimizers.js';
import type { Callbacks, EpochLogs, MonitorName, TrainBeginInfo } from './training.js';

const monitorNames: readonly MonitorName[] = [
  'loss',
  'accuracy',
  'topKAccuracy',
  'valLoss',
  'valAccuracy',
  'valTopKAccuracy',
];

/** Options of `earlyStopping` (Keras' `EarlyStopping`). */
export interface EarlyStoppingOptions {
  /** The epoch log to watch; default `'valLoss'`. */
  monitor?: MonitorName | undefined;
  /** Epochs without improvement to wait before stopping; default 0 (stop at the first). */
  patience?: number | undefined;
  /** The least change that counts as an improvement; default 0. */
  minDelta?: number | undefined;
  /** `'min'` (a loss), `'max'` (an accuracy) or `'auto'` (max for accuracies, else min); default auto. */
  mode?: 'min' | 'max' | 'auto' | undefined;
  /** Training does not count as improving until the monitor beats this value. */
  baseline?: number | undefined;
  /**
   * When training ends (stopped early or not), set the weights back to those of the best epoch. The
   * best weights are copied after each improving epoch.
   */
  restoreBestWeights?: boolean | undefined;
}

/** The callback `earlyStopping` returns: hooks, and what it saw. */
export interface EarlyStopping extends Callbacks {
  /** The epoch training was stopped after (0 when it ran to the end). */
  readonly stoppedEpoch: number;
  /** The epoch with the best monitored value (0 before the first epoch ends), and that value. */
  readonly bestEpoch: number;
  readonly best: number;
}

/**
 * Stops training when the monitored epoch log stops improving (Keras' `EarlyStopping` rules): each epoch
 * that does not improve on the best by more than `minDelta` adds one to a wait count, an improving one
 * resets it; training stops once the count reaches `patience`. The history up to the stop is kept.
 * The monitor is checked against the logs `fit` will produce before the first step.
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  const op = 'earlyStopping';
  const monitor = options.monitor ?? 'valLoss';
  const patience = options.patience ?? 0;
  const minDelta = Math.abs(options.minDelta ?? 0);
  const mode = options.mode ?? 'auto';
  if (!monitorNames.includes(monitor)) {
    throw new Error(`${op}: unknown monitor '${String(monitor)}' (known: ${monitorNames.join(', ')})`);
  }
  if (!Number.isInteger(patience) || patience < 0) {
    throw new Error(`${op}: patience must be an integer >= 0, got ${patience}`);
  }
  if (!Number.isFinite(minDelta)) throw new Error(`${op}: minDelta must be a finite number, got ${minDelta}`);
  if (mode !== 'min' && mode !== 'max' && mode !== 'auto') {
    throw new Error(`${op}: mode must be 'min', 'max' or 'auto', got '${String(mode)}'`);
  }
  const maximize = mode === 'max' || (mode === 'auto' && /accuracy/i.test(monitor));
  const improves = (current: number, reference: number) =>
    maximize ? current - minDelta > reference : current + minDelta < reference;
  let model: Model | null = null;
  let wait = 0;
  let snapshot: { name: string; tensor: Tensor }[] | null = null;
  const state = { stoppedEpoch: 0, bestEpoch: 0, best: maximize ? -Infinity : Infinity };
  const dropSnapshot = () => {
    snapshot?.forEach((w) => w.tensor.dispose());
    snapshot = null;
  };
  return {
    get stoppedEpoch() {
      return state.stoppedEpoch;
    },
    get bestEpoch() {
      return state.bestEpoch;
    },
    get best() {
      return state.best;
    },
    onTrainBegin(info: TrainBeginInfo) {
      if (!info.monitors.includes(monitor)) {
        throw new Error(
          `${op}: monitor '${monitor}' is not among the epoch logs of this fit (${info.monitors.join(', ')})${monitor.startsWith('val') ? '; pass validationData or validationSplit' : '; add the metric to compile'}`,
        );
      }
      model = info.model;
      wait = 0;
      dropSnapshot();
      Object.assign(state, { stoppedEpoch: 0, bestEpoch: 0, best: maximize ? -Infinity : Infinity });
    },
    onEpochEnd(logs: EpochLogs) {
      const current = logs[monitor];
      if (current === undefined || Number.isNaN(current)) {
        throw new Error(`${op}: epoch ${logs.epoch} has no value for '${monitor}'`);
      }
      wait++;
      if (improves(current, state.best)) {
        state.best = current;
        state.bestEpoch = logs.epoch;
        if (options.restoreBestWeights && model) {
          dropSnapshot();
          // Copies: the live weight tensors are replaced (and disposed) by the next step.
          snapshot = tidy(() => model!.getWeights().map((w) => ({ name: w.name, tensor: add(w.tensor, 0) })));
        }
        if (options.baseline === undefined || improves(current, options.baseline)) wait = 0;
        return;
      }
      if (wait >= patience && model) {
        state.stoppedEpoch = logs.epoch;
        model.stopTraining = true;
      }
    },
    onTrainEnd() {
      if (snapshot && model) {
        model.setWeights(snapshot);
        snapshot = null; // the model owns these tensors now
      }
    },
    onTrainError() {
      dropSnapshot();
    },
  };
}

/**
 * Sets the optimizer's learning rate before each epoch to `schedule(epoch, currentRate)` (epochs count
 * from 1, as in the logs; Keras' `LearningRateScheduler` counts from 0). The rate used is in each epoch's
 * `learningRate` log.
 */
export function learningRateScheduler(schedule: (epoch: number, learningRate: number) => number): Callbacks {
  const op = 'learningRateScheduler';
  if (typeof schedule !== 'function') throw new Error(`${op}: schedule must be a function (epoch, lr) => lr`);
  let optimizer: Optimizer | null = null;
  return {
    onTrainBegin(info: TrainBeginInfo) {
      optimizer = info.optimizer;
    },
    onEpochBegin(epoch: number) {
      if (!optimizer) return;
      const rate = schedule(epoch, optimizer.learningRate);
      if (typeof rate !== 'number' || !(rate > 0) || !Number.isFinite(rate)) {
        throw new Error(`${op}: schedule(${epoch}) returned ${rate}; a learning rate is a finite number > 0`);
      }
      optimizer.learningRate = rate;
    },
  };
}
