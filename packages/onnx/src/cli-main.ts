import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { loadModel, saveModel } from '@cnn/node';
import { Command, CommanderError } from 'commander';
import { exportOnnx } from './export.js';
import { importOnnx } from './import.js';
import { inspectOnnx } from './inspect.js';

type Log = (message?: unknown) => void;

/**
 * The `cnn-onnx` command: parses `argv` (without the node and script entries), runs, and returns the exit
 * code: 0 done, 1 the file cannot be imported (inspect) or the runtimes disagree (check), 2 a usage or
 * load error.
 */
export async function runCli(
  argv: readonly string[],
  log: Log = console.log,
  error: Log = console.error,
): Promise<number> {
  const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
  let code = 0;
  const program = new Command()
    .name('cnn-onnx')
    .version(version)
    .description(
      'ONNX files and @cnn models: inspect a file, convert between the formats, check our import against onnxruntime-web.',
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => log(s.trimEnd()), writeErr: (s) => error(s.trimEnd()) });

  program
    .command('inspect')
    .description(
      'the ops (and whether each is supported), the inputs and outputs, the parameter count, and whether the file imports',
    )
    .argument('<file>', 'an .onnx file')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      cnn.setBackend(cpu());
      const report = inspectOnnx(await readBytes(file));
      if (options.json) log(JSON.stringify(report, null, 2));
      else log(formatInspection(file, report));
      code = report.importable ? 0 : 1;
    });

  program
    .command('convert')
    .description(
      'an .onnx file to an @cnn model folder (model.json + weights), or a model folder to an .onnx file',
    )
    .argument('<from>', 'an .onnx file, or a folder saved by @cnn/node saveModel')
    .argument('<to>', 'a model folder (from .onnx), or an .onnx file (from a folder)')
    .option('--opset <n>', 'opset of the written .onnx (11 to 21)', '17')
    .option('--input-names <names>', 'comma-separated graph input names of the written .onnx')
    .option('--output-names <names>', 'comma-separated graph output names of the written .onnx')
    .option('--fold-batchnorm', 'fold BatchNorm into the layer before it in the written .onnx')
    .action(
      async (
        from: string,
        to: string,
        options: { opset: string; inputNames?: string; outputNames?: string; foldBatchnorm?: boolean },
      ) => {
        cnn.setBackend(cpu());
        if (from.endsWith('.onnx')) {
          const { model, inputs, outputs } = importOnnx(await readBytes(from));
          await saveModel(model, to);
          log(
            `${from} -> ${to}: ${model.layers.length} layers, ${model.countParams().total.toLocaleString('en-US')} weights`,
          );
          log(
            `inputs: ${inputs.map((i) => `${i.name} [${i.onnxShape.join(',')}] (ours ${i.layout})`).join(', ')}`,
          );
          log(
            `outputs: ${outputs.map((o) => `${o.name} [${o.onnxShape.join(',')}] (ours ${o.layout})`).join(', ')}`,
          );
          model.dispose();
          return;
        }
        const model = await loadModel(from);
        const split = (s?: string) => s?.split(',').map((n) => n.trim());
        const bytes = await exportOnnx(model, {
          opset: Number(options.opset),
          inputNames: split(options.inputNames),
          outputNames: split(options.outputNames),
          foldBatchNorm: options.foldBatchnorm,
        });
        await mkdir(dirname(to), { recursive: true });
        await writeFile(to, bytes);
        log(`${from} -> ${to}: opset ${options.opset}, ${bytes.length.toLocaleString('en-US')} bytes`);
        model.dispose();
      },
    );

  program
    .command('check')
    .description(
      'runs the file in @cnn (imported, cpu backend) and in onnxruntime-web (wasm) on the same seeded random input and prints the worst difference',
    )
    .argument('<file>', 'an .onnx file')
    .option('--batch <n>', 'batch size of the random input', '2')
    .option('--seed <n>', 'seed of the random input', '1')
    .action(async (file: string, options: { batch: string; seed: string }) => {
      cnn.setBackend(cpu());
      const bytes = await readBytes(file);
      const { model, inputs, outputs } = importOnnx(bytes);
      const ort = await loadOrt();
      const batch = Number(options.batch);
      const random = new cnn.Random(Number(options.seed));
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
      const ours: cnn.Tensor[] = [];
      model.inputs.forEach((s, i) => {
        const info = inputs[i]!;
        const data = Float32Array.from(
          { length: batch * s.shape.reduce((a, b) => a * b, 1) },
          () => random.next() * 2 - 1,
        );
        const dims = [batch, ...(info.onnxShape.slice(1) as number[])];
        // Our 4-D inputs are NHWC; onnxruntime gets the same values in the file's NCHW order.
        feeds[info.name] = new ort.Tensor(
          'float32',
          info.layout === 'NHWC' ? toNchw(data, [batch, ...s.shape]) : data,
          dims,
        );
        ours.push(cnn.tensor(data, [batch, ...s.shape]));
      });
      const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
      const result = await session.run(feeds);
      const ctx: cnn.CallContext = { training: false, random: model.random, updates: [] };
      const values = model.forward(ours, ctx);
      let worstOverall = 0;
      for (let i = 0; i < outputs.length; i++) {
        const info = outputs[i]!;
        const theirs = result[info.name]!.data as Float32Array;
        let mine = await values[i]!.data();
        if (info.layout === 'NHWC') mine = toNchw(mine, values[i]!.shape);
        let worst = 0;
        let scale = 0;
        for (let k = 0; k < theirs.length; k++) {
          worst = Math.max(worst, Math.abs(mine[k]! - theirs[k]!));
          scale = Math.max(scale, Math.abs(theirs[k]!));
        }
        worstOverall = Math.max(worstOverall, worst);
        log(
          `${info.name} [${[...result[info.name]!.dims].join(',')}]: worst |ours - onnxruntime| = ${worst.toExponential(3)} (largest |value| ${scale.toExponential(3)})`,
        );
      }
      await session.release();
      model.dispose();
      code = Number.isFinite(worstOverall) ? 0 : 1;
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    error(`cnn-onnx: ${(e as Error).message}`);
    return 2;
  }
  return code;
}

async function readBytes(file: string): Promise<Uint8Array> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new Error(`no such file: ${file}`);
  return new Uint8Array(await readFile(file));
}

/** onnxruntime-web, an optional peer: `check` needs it, nothing else does. */
async function loadOrt(): Promise<typeof import('onnxruntime-web')> {
  try {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    return ort;
  } catch {
    throw new Error('check needs onnxruntime-web: npm install onnxruntime-web@1.30');
  }
}

function toNchw(data: Float32Array, [n, h, w, c]: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n!; b++)
    for (let y = 0; y < h!; y++)
      for (let x = 0; x < w!; x++)
        for (let k = 0; k < c!; k++)
          out[((b * c! + k) * h! + y) * w! + x] = data[((b * h! + y) * w! + x) * c! + k]!;
  return out;
}

function formatInspection(file: string, r: ReturnType<typeof inspectOnnx>): string {
  const shape = (s: (number | string)[]) => `[${s.join(',')}]`;
  const width = Math.max(7, ...r.ops.map((o) => o.opType.length));
  return [
    `${file}: ${r.producer || 'unknown producer'}, IR ${r.irVersion}, opsets ${r.opsets.map((o) => `${o.domain} ${o.version}`).join(', ')}`,
    `graph '${r.graphName}': ${r.parameters.toLocaleString('en-US')} parameters`,
    ...r.inputs.map((i) => `  input  ${i.name} ${shape(i.shape)}`),
    ...r.outputs.map((o) => `  output ${o.name} ${shape(o.shape)}`),
    '',
    `${'op type'.padEnd(width)}  count  supported`,
    ...r.ops.map(
      (o) => `${o.opType.padEnd(width)}  ${String(o.count).padStart(5)}  ${o.supported ? 'yes' : 'no'}`,
    ),
    '',
    r.importable ? 'imports: yes' : `imports: no\n${r.problems.join('\n')}`,
  ].join('\n');
}
