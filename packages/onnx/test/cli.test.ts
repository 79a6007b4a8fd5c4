import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cnn from '@cnn/core';
import { loadModel } from '@cnn/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli-main.js';
import { AttributeType, DataType, encodeModel, importOnnx } from '../src/index.js';
import { randomData, runOrt, useCpu } from './helpers.js';

const fixture = (name: string) => new URL(`./fixtures/torch/${name}.onnx`, import.meta.url).pathname;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    (m) => out.push(String(m)),
    (m) => err.push(String(m)),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cnn-onnx', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-onnx-'));
  beforeAll(() => useCpu());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('inspect: ops with counts and support, shapes, parameters, importable', async () => {
    const { code, out } = await cli('inspect', fixture('resnet_tiny_opset13'));
    expect(code).toBe(0);
    expect(out).toContain('pytorch 1.13.0, IR 7, opsets ai.onnx 13');
    expect(out).toContain('input  input [batch,3,16,16]');
    expect(out).toMatch(/Conv\s+6\s+yes/);
    expect(out).toContain('imports: yes');
    const json = JSON.parse((await cli('inspect', '--json', fixture('resnet_tiny_opset13'))).out);
    // 6 convs (BN folded into them by torch) and the fc: 216+8 + 2·(576+8) + 1152+16 + 2304+16 + 128+16 + 80+5.
    expect(json.parameters).toBe(216 + 8 + 2 * (576 + 8) + 1152 + 16 + 2304 + 16 + 128 + 16 + 80 + 5);
  });

  it('inspect: a file with unsupported nodes says which, with exit code 1', async () => {
    const file = join(dir, 'bad.onnx');
    const dims = [{ dim_param: 'N' }, { dim_value: 4 }];
    writeFileSync(
      file,
      encodeModel({
        ir_version: 8,
        opset_import: [{ domain: '', version: 13 }],
        graph: {
          name: 'bad',
          node: [
            { name: 'erf', op_type: 'Erf', input: ['x'], output: ['a'] },
            {
              name: 'topk',
              op_type: 'TopK',
              input: ['a'],
              output: ['y'],
              attribute: [{ name: 'axis', type: AttributeType.INT, i: 1 }],
            },
          ],
          input: [{ name: 'x', type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: dims } } } }],
          output: [{ name: 'y', type: { tensor_type: { elem_type: DataType.FLOAT } } }],
        },
      }),
    );
    const { code, out } = await cli('inspect', file);
    expect(code).toBe(1);
    expect(out).toMatch(/Erf\s+1\s+no/);
    expect(out).toContain("node 'erf': Erf (ai.onnx opset 13): op type not supported");
    expect(out).toContain("node 'topk': TopK (ai.onnx opset 13): op type not supported");
    expect((await cli('inspect', join(dir, 'missing.onnx'))).err).toContain('no such file');
  });

  it('convert: .onnx to a model folder and back; the folder loads to the same model', async () => {
    const folder = join(dir, 'mobile');
    const back = join(dir, 'mobile.onnx');
    const r1 = await cli('convert', fixture('mobile_mix_opset17'), folder);
    expect(r1.code).toBe(0);
    const loaded = await loadModel(folder);
    const direct = importOnnx(new Uint8Array(readFileSync(fixture('mobile_mix_opset17')))).model;
    const x = cnn.tensor(randomData(2 * 16 * 16 * 3, 3), [2, 16, 16, 3]);
    expect(Array.from(await loaded.predict(x).data())).toEqual(Array.from(await direct.predict(x).data()));
    const r2 = await cli(
      'convert',
      folder,
      back,
      '--opset',
      '13',
      '--input-names',
      'input',
      '--output-names',
      'output',
    );
    expect(r2.code).toBe(0);
    // The written file runs in onnxruntime-web like the original.
    const feeds = { input: { data: randomData(2 * 3 * 16 * 16, 4), dims: [2, 3, 16, 16] } };
    const a = (await runOrt(new Uint8Array(readFileSync(fixture('mobile_mix_opset17'))), feeds)).output!.data;
    const b = (await runOrt(new Uint8Array(readFileSync(back)), feeds)).output!.data;
    expect(Array.from(b)).toEqual(Array.from(a));
    loaded.dispose();
    direct.dispose();
  });

  it('check: ours against onnxruntime-web, the worst difference per output', async () => {
    const { code, out } = await cli('check', fixture('convnet_opset17'), '--batch', '3');
    expect(code).toBe(0);
    const worst = Number(out.match(/output \[3,10\]: worst \|ours - onnxruntime\| = (\S+)/)![1]);
    expect(worst).toBeLessThan(1e-5);
  });
});
