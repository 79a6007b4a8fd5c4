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

/**
 * fit() callbacks that draw a progress bar per epoch in a terminal (epoch, batch, loss, accuracy,
 * samples/s, ETA), and print one line per epoch when the output is not a terminal (logs, CI).
 */
export function progressBar(options: { stream?: NodeJS.WriteStream } = {}): Callbacks {
  const stream = options.stream ?? process.stdout;
  let bar: cliProgress.SingleBar | null = null;
  let epochs = 0;
  return {
    onTrainBegin(info) {
      epochs = info.epochs;
    },
    onEpochBegin(epoch) {
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
      if (logs.batch === 1) bar.start(logs.batches, 1, payload);
      else bar.update(logs.batch, payload);
    },
    onEpochEnd(logs) {
      bar?.stop();
      bar = null;
      stream.write(`${epochLine(logs)}\n`);
    },
  };
}
