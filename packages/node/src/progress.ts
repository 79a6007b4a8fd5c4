import type { BatchLogs, Callbacks, EpochLogs } from '@cnn/core';
import cliProgress from 'cli-progress';

const percent = (v: number | undefined) => (v === undefined ? '-' : `${(v * 100).toFixed(1)}%`);

function epochLine(logs: EpochLogs): string {
  const parts = [
    `epoch ${logs.epoch}/${logs.epochs}`,
    `loss ${logs.loss.toFixed(4)}`,
    logs.accuracy !== undefined ? `acc ${percent(logs.accuracy)}` : '',
    logs.valLoss !== undefined ? `val loss ${logs.valLoss.toFixed(4)}` : '',
    logs.valAccuracy !== undefined ? `val acc ${percent(logs.valAccuracy)}` : '',
    `${Math.round(logs.samplesPerSecond).toLocaleString('en-US')} samples/s`,
    `${logs.seconds.toFixed(1)} s`,
  ];
  return parts.filter(Boolean).join(' | ');
}

/** fit() callbacks, plus `stop()`. */
export interface ProgressBar extends Callbacks {
  /**
   * Stops the bar and shows the cursor again. fit() does so itself when training ends; call it when you
   * catch an error from fit() and carry on (callbacks hear nothing of a failed fit).
   */
  stop(): void;
}

/**
 * fit() callbacks that draw a progress bar per epoch in a terminal (epoch, batch, loss, accuracy,
 * samples/s, ETA), and print one line per epoch when the output is not a terminal (logs, CI).
 *
 * The bar hides the cursor while it draws. Callbacks are not told when fit() throws, so besides the end of
 * training, the cursor comes back when the process exits and on SIGINT/SIGTERM (Ctrl-C) while a bar is up,
 * and at the next training's start or `stop()`.
 */
export function progressBar(options: { stream?: NodeJS.WriteStream } = {}): ProgressBar {
  const stream = options.stream ?? process.stdout;
  let bar: cliProgress.SingleBar | null = null;
  let epochs = 0;

  const onExit = () => stop();
  // A signal listener replaces Node's default of exiting, so once the cursor is back, send the signal
  // again (with no listener left, it ends the process as it would have) unless someone else handles it.
  const onSignal = (signal: NodeJS.Signals) => {
    stop();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  function start(total: number, payload: object) {
    bar!.start(total, 1, payload);
    process.once('exit', onExit);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  function stop() {
    if (!bar) return;
    bar.stop();
    bar = null;
    process.removeListener('exit', onExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }

  return {
    stop,
    onTrainBegin(info) {
      stop(); // a bar left over from a fit that threw
      epochs = info.epochs;
    },
    onEpochBegin(epoch) {
      stop();
      if (!stream.isTTY) return;
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} batches | loss {loss} | acc {acc} | {speed} samples/s | ETA {eta_formatted}`,
          barsize: 24,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.legacy,
      );
    },
    onBatchEnd(logs: BatchLogs) {
      if (!bar) return;
      const payload = {
        loss: logs.loss.toFixed(4),
        acc: percent(logs.accuracy),
        speed: Math.round(logs.samplesPerSecond).toLocaleString('en-US'),
      };
      if (logs.batch === 1) start(logs.batches, payload);
      else bar.update(logs.batch, payload);
    },
    onEpochEnd(logs) {
      stop();
      stream.write(`${epochLine(logs)}\n`);
    },
    onTrainEnd() {
      stop();
    },
    // fit reports its errors here before rethrowing: the bar goes and the cursor comes back at once.
    onTrainError() {
      stop();
    },
  };
}
