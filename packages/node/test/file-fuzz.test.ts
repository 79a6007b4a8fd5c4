import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, saveModel } from '../src/index.js';
import { smallNet, tinyNet } from './child/nets.js';

// A seeded fuzzer over the model file format. A small model (conv, batch norm, concat, dense) is saved,
// then each mutation below is applied to a fresh copy of its two files and the copy is loaded. Every load
// must either give a model whose predictions equal the original's exactly (the mutation changed nothing
// that matters, e.g. whitespace) or fail with an Error (never a TypeError, RangeError or SyntaxError) whose
// message names the file, within a few seconds. Never NaN predictions, never a model that loads and then
// cannot predict.
//
// Mutations: truncations and bit flips of model.json and of the weights file; edits of the manifest
// (deleted, renamed, retyped, swapped, altered and duplicated fields, anywhere in the JSON) in three forms,
// with the saved manifestSha256 kept (the edit must be refused), recomputed (as a tool that rewrites the
// file would: the loader's own checks must hold), and removed (a 0.1.0 file, which has none); reformatted
// JSON; weights files swapped between saved models; files replaced by other JSON or removed.
//
// With the checksum recomputed or removed, an edit can make another valid model (a different name or
// activation): loading it is right, and such loads are counted, not failed, as long as the model predicts
// finite values.

type Verdict =
  | { kind: 'same' }
  | { kind: 'refused'; message: string }
  | { kind: 'other model' }
  | { kind: 'violation'; problem: string };

interface Mutation {
  family: string;
  what: string;
  /** Writes the mutated files into `dir`, which holds a fresh copy of the saved model. */
  apply: (dir: string) => Promise<void>;
  /** Whether a model other than the original may legitimately come out (the integrity check was bypassed). */
  mayChangeModel?: boolean;
}

const MODEL_JSON = 'model.json';
const RAW_ENGINE_MESSAGE =
  /Cannot read propert|is not a function|is not iterable|Cannot convert|undefined \(reading|of null|Invalid array length/;

/** The manifest checksum as @cnn/node computes it: SHA-256 of the content without it, keys sorted, compact. */
function manifestSha256(file: Record<string, unknown>): string {
  const { manifestSha256: _, ...content } = file;
  const canonical = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return `{${Object.keys(o)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
        .join(',')}}`;
    }
    return JSON.stringify(v);
  };
  return createHash('sha256')
    .update(canonical(JSON.parse(JSON.stringify(content))))
    .digest('hex');
}

/** Every path to a value in a JSON document (object keys and array indices). */
function pathsOf(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []) {
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out);
  if (at.length) out.push(at);
  return out;
}

const getAt = (root: unknown, path: (string | number)[]) =>
  path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], root);
const parentOf = (root: unknown, path: (string | number)[]) =>
  getAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
const showPath = (path: (string | number)[]) =>
  path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');

const OTHER_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  '',
  'x',
  '3',
  [],
  {},
  [1],
  { a: 1 },
  [null],
];
const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Violations this fuzzer found and that were reported, not yet fixed in core: tolerated and listed on every
 * run; any other violation fails, and so does an entry that no longer occurs (remove it). Both need a file
 * whose checksum does not catch the edit (a 0.1.0 file without manifestSha256, or one rewritten by a tool).
 */
// All three violations of the first run (an InputLayer without config.shape, a padding of false or {}, a
// Conv2D without kernelSize) were fixed in core; new ones go here with the reproducer the test prints.
const KNOWN_VIOLATIONS: [RegExp, string][] = [];

class Draw {
  constructor(readonly rng: cnn.Random) {}
  int(lo: number, hi: number) {
    return lo + this.rng.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.rng.int(xs.length)]!;
  }
}

/** One random edit of a parsed model.json, in place; returns what it did. */
function editJson(d: Draw, json: Record<string, unknown>, skipChecksum: boolean): string {
  const paths = pathsOf(json).filter((p) => !skipChecksum || p[0] !== 'manifestSha256');
  const path = d.pick(paths);
  const parent = parentOf(json, path);
  const key = path.at(-1)!;
  const value = getAt(json, path);
  const where = showPath(path);
  switch (d.pick(['delete', 'rename', 'retype', 'swap', 'alter', 'duplicate'] as const)) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      return `deleted ${where}`;
    case 'rename': {
      if (Array.isArray(parent)) return editJson(d, json, skipChecksum);
      const renamed = d.pick([`${key}_`, String(key).toUpperCase(), `${String(key).slice(1)}`]);
      delete parent[key];
      parent[renamed] = value;
      return `renamed ${where} to '${renamed}'`;
    }
    case 'retype': {
      const other = d.pick(OTHER_VALUES.filter((v) => typeOf(v) !== typeOf(value)));
      parent[key] = structuredClone(other);
      return `${where} = ${JSON.stringify(other)} (was a ${typeOf(value)})`;
    }
    case 'swap': {
      const otherPath = d.pick(paths.filter((p) => showPath(p) !== where));
      const otherValue = getAt(json, otherPath);
      // Two paths where one contains the other cannot swap: alter instead.
      if (showPath(otherPath).startsWith(where) || where.startsWith(showPath(otherPath)))
        return editJson(d, json, skipChecksum);
      parentOf(json, otherPath)[otherPath.at(-1)!] = value;
      parent[key] = otherValue;
      return `swapped ${where} and ${showPath(otherPath)}`;
    }
    case 'alter': {
      let altered: unknown;
      if (typeof value === 'number') altered = d.pick([value + 1, -value, 0, value * 1e6, value + 0.5]);
      else if (typeof value === 'string') altered = d.pick([`${value}x`, '', value.slice(0, -1)]);
      else if (typeof value === 'boolean') altered = !value;
      else if (Array.isArray(value)) altered = d.pick([[], value.slice(1), [...value, ...value.slice(0, 1)]]);
      else altered = {};
      parent[key] = altered;
      return `${where} = ${JSON.stringify(altered)?.slice(0, 60)} (was ${JSON.stringify(value)?.slice(0, 60)})`;
    }
    case 'duplicate': {
      if (!Array.isArray(value) || value.length === 0) return editJson(d, json, skipChecksum);
      const i = d.int(0, value.length - 1);
      value.splice(i, 0, structuredClone(value[i]));
      return `duplicated ${where}[${i}]`;
    }
  }
}

describe('model file fuzzing: every mutated file loads the same model or is refused, naming the file', () => {
  const x = () => cnn.randomNormal([2, 6, 6, 2], 0, 1, { seed: 11 });
  let root: string;
  let savedDir: string;
  let otherDir: string;
  let tinyDir: string;
  let expected: Float32Array;
  let json: string;
  let weightsName: string;
  let weights: Buffer;

  beforeAll(async () => {
    cnn.setBackend(cpu());
    root = await mkdtemp(join(tmpdir(), 'cnn-file-fuzz-'));
    [savedDir, otherDir, tinyDir] = [join(root, 'a'), join(root, 'b'), join(root, 'tiny')];
    const model = smallNet(3).initialize();
    expected = await model.predict(x()).data();
    await saveModel(model, savedDir);
    await saveModel(smallNet(7).initialize(), otherDir);
    await saveModel(tinyNet(1).initialize(), tinyDir);
    json = await readFile(join(savedDir, MODEL_JSON), 'utf8');
    weightsName = JSON.parse(json).weightsFile;
    weights = await readFile(join(savedDir, weightsName));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  /** Loads `dir` and judges the outcome. */
  async function judge(dir: string, mutation: Mutation): Promise<Verdict> {
    const started = performance.now();
    let model: cnn.Model;
    try {
      model = await Promise.race([
        loadModel(dir),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('fuzz: loadModel took over 5 s')), 5000).unref(),
        ),
      ]);
    } catch (error) {
      const e = error as Error;
      if (!(e instanceof Error)) return { kind: 'violation', problem: `threw a non-Error: ${String(e)}` };
      if (e.constructor !== Error) return { kind: 'violation', problem: `threw a ${e.name}: ${e.message}` };
      if (e.message.startsWith('fuzz:')) return { kind: 'violation', problem: e.message };
      if (!e.message.startsWith('loadModel: '))
        return { kind: 'violation', problem: `message does not start with 'loadModel: ': ${e.message}` };
      const namesFile =
        e.message.includes(join(dir, MODEL_JSON)) || e.message.includes(join(dir, 'weights.'));
      if (!namesFile) return { kind: 'violation', problem: `message does not name the file: ${e.message}` };
      // A JavaScript engine's own words (a TypeError's message wrapped in an Error) say nothing about the file.
      if (RAW_ENGINE_MESSAGE.test(e.message))
        return {
          kind: 'violation',
          problem: `the message is a raw TypeError's: ${e.message.replaceAll(dir, '<dir>')}`,
        };
      return { kind: 'refused', message: e.message.replaceAll(dir, '<dir>') };
    }
    const seconds = (performance.now() - started) / 1000;
    if (seconds > 5) return { kind: 'violation', problem: `loaded, but took ${seconds.toFixed(1)} s` };
    let got: Float32Array;
    try {
      // An edit may declare the input twice (inputs: ['image', 'image']): feed it that many times.
      const input = x();
      const y = model.predict(model.inputs.map(() => input));
      got = await y.data();
      y.dispose();
      input.dispose();
    } catch (error) {
      return {
        kind: 'violation',
        problem: `loaded, but predict threw ${(error as Error).name}: ${(error as Error).message}`,
      };
    } finally {
      model.dispose();
    }
    if (got.length === expected.length && got.every((v, i) => Object.is(v, expected[i])))
      return { kind: 'same' };
    if (got.some((v) => !Number.isFinite(v)))
      return { kind: 'violation', problem: 'loaded, and predicts NaN or ±Infinity' };
    if (mutation.mayChangeModel) return { kind: 'other model' };
    return {
      kind: 'violation',
      problem: 'loaded a model that predicts differently, with the integrity checks in place',
    };
  }

  function mutations(): Mutation[] {
    const d = new Draw(new cnn.Random(2024));
    const out: Mutation[] = [];
    const jsonBytes = Buffer.from(json);
    const writeJson = (dir: string, data: string | Buffer) => writeFile(join(dir, MODEL_JSON), data);
    const writeWeights = (dir: string, data: Buffer, name = weightsName) => writeFile(join(dir, name), data);

    for (let i = 0; i < 50; i++) {
      const at = d.int(0, jsonBytes.length - 1);
      out.push({
        family: 'truncated model.json',
        what: `model.json cut to ${at} of ${jsonBytes.length} bytes`,
        apply: (dir) => writeJson(dir, jsonBytes.subarray(0, at)),
      });
    }
    for (let i = 0; i < 50; i++) {
      const at = d.int(0, weights.length - 1);
      out.push({
        family: 'truncated weights',
        what: `weights cut to ${at} of ${weights.length} bytes`,
        apply: (dir) => writeWeights(dir, weights.subarray(0, at)),
      });
    }
    for (const [family, bytes, write] of [
      ['bit flips in model.json', jsonBytes, writeJson],
      ['bit flips in weights', weights, writeWeights],
    ] as const) {
      for (let i = 0; i < 60; i++) {
        const flips = Array.from(
          { length: d.int(1, 3) },
          () => [d.int(0, bytes.length - 1), d.int(0, 7)] as const,
        );
        out.push({
          family,
          what: `bits flipped at ${flips.map(([b, bit]) => `byte ${b} bit ${bit}`).join(', ')}`,
          apply: (dir) => {
            const copy = Buffer.from(bytes);
            for (const [b, bit] of flips) copy[b] = copy[b]! ^ (1 << bit);
            return write(dir, copy);
          },
        });
      }
    }
    const modes = [
      ['checksum kept', 'kept'],
      ['checksum recomputed', 'recomputed'],
      ['checksum removed', 'removed'],
    ] as const;
    for (const [label, mode] of modes) {
      for (let i = 0; i < 150; i++) {
        const edited = JSON.parse(json) as Record<string, unknown>;
        const edits = Array.from({ length: d.int(1, 2) }, () => editJson(d, edited, mode !== 'kept'));
        if (mode === 'recomputed') edited.manifestSha256 = manifestSha256(edited);
        if (mode === 'removed') delete edited.manifestSha256;
        const text = JSON.stringify(edited, null, d.pick([0, 1, 2]));
        out.push({
          family: `manifest edits, ${label}`,
          what: edits.join('; '),
          mayChangeModel: mode !== 'kept' || edits.some((e) => e.includes('manifestSha256')),
          apply: (dir) => writeJson(dir, text),
        });
      }
    }
    // Reformatting: the checksum is of the content, so whitespace and key order do not matter.
    for (const [what, text] of [
      ['compact', JSON.stringify(JSON.parse(json))],
      ['indented by 4', JSON.stringify(JSON.parse(json), null, 4)],
      ['tabs', JSON.stringify(JSON.parse(json), null, '\t')],
      ['keys reversed', JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(json)).reverse()))],
      [
        'CRLF and trailing spaces',
        `${JSON.stringify(JSON.parse(json), null, 2).replaceAll('\n', ' \r\n')}  \r\n`,
      ],
      ['a leading BOM-free blank line', `\n\n${json}`],
    ] as const) {
      out.push({ family: 'reformatted model.json', what, apply: (dir) => writeJson(dir, text) });
    }
    // Weights files and manifests of other saved models.
    const other = async (dir: string, name: string) => readFile(join(dir, name));
    const otherJson = () => readFile(join(otherDir, MODEL_JSON), 'utf8');
    const otherWeightsName = async (dir: string) =>
      JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8')).weightsFile;
    out.push(
      {
        family: 'swapped files',
        what: "another model's weights (same size) under this model's weights name",
        apply: async (dir) => writeWeights(dir, await other(otherDir, await otherWeightsName(otherDir))),
      },
      {
        family: 'swapped files',
        what: "a smaller model's weights under this model's weights name",
        apply: async (dir) => writeWeights(dir, await other(tinyDir, await otherWeightsName(tinyDir))),
      },
      {
        family: 'swapped files',
        what: "another model's model.json over this one (its weights file is not here)",
        apply: async (dir) => writeJson(dir, await otherJson()),
      },
      {
        family: 'swapped files',
        what: "another model's model.json, with this model's weights renamed to the name it expects",
        apply: async (dir) => {
          await writeJson(dir, await otherJson());
          await writeWeights(dir, weights, await otherWeightsName(otherDir));
        },
      },
      {
        family: 'swapped files',
        what: "a smaller model's model.json, with this model's weights renamed to the name it expects",
        apply: async (dir) => {
          await writeJson(dir, await readFile(join(tinyDir, MODEL_JSON)));
          await writeWeights(dir, weights, await otherWeightsName(tinyDir));
        },
      },
      {
        family: 'swapped files',
        what: 'weightsFile pointed at a second copy of the weights with one value changed, checksum recomputed',
        mayChangeModel: false,
        apply: async (dir) => {
          const edited = JSON.parse(json);
          edited.weightsFile = 'weights.00000000000000000000000000.bin';
          edited.manifestSha256 = manifestSha256(edited);
          const copy = Buffer.from(weights);
          copy.writeFloatLE(copy.readFloatLE(0) + 1, 0);
          await writeWeights(dir, copy, edited.weightsFile);
          await writeJson(dir, JSON.stringify(edited));
        },
      },
    );
    // Files replaced by other content, or missing.
    for (const [what, text] of [
      ['empty', ''],
      ['null', 'null'],
      ['a list', '[]'],
      ['a string', '"model"'],
      ['a number', '42'],
      ['an empty object', '{}'],
      ['binary', Buffer.from([0, 255, 1, 254, 0x7b]).toString('latin1')],
    ] as const) {
      out.push({
        family: 'replaced files',
        what: `model.json is ${what}`,
        apply: (dir) => writeJson(dir, text),
      });
    }
    out.push(
      {
        family: 'replaced files',
        what: 'the weights file is removed',
        apply: (dir) => rm(join(dir, weightsName)),
      },
      { family: 'replaced files', what: 'model.json is removed', apply: (dir) => rm(join(dir, MODEL_JSON)) },
      {
        family: 'replaced files',
        what: 'the weights file is empty',
        apply: (dir) => writeWeights(dir, Buffer.alloc(0)),
      },
    );
    return out;
  }

  it('the checksum this test recomputes is the one saveModel writes', () => {
    const file = JSON.parse(json);
    expect(manifestSha256(file)).toBe(file.manifestSha256);
  });

  it('hundreds of seeded mutations: the same predictions, or an Error naming the file', {
    timeout: 300_000,
  }, async () => {
    const all = mutations();
    const dir = join(root, 'work');
    const tally = new Map<string, Record<string, number>>();
    const violations: string[] = [];
    const otherModels: string[] = [];
    const messages = new Map<string, number>();
    for (const mutation of all) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      for (const name of await readdir(savedDir)) await copyFile(join(savedDir, name), join(dir, name));
      await mutation.apply(dir);
      const verdict = await judge(dir, mutation);
      const counts = tally.get(mutation.family) ?? {};
      counts[verdict.kind] = (counts[verdict.kind] ?? 0) + 1;
      tally.set(mutation.family, counts);
      if (verdict.kind === 'violation')
        violations.push(`${mutation.family}: ${mutation.what}: ${verdict.problem}`);
      if (verdict.kind === 'other model') otherModels.push(`${mutation.family}: ${mutation.what}`);
      if (verdict.kind === 'refused') {
        const kind = verdict.message
          .replace(/[0-9a-f]{8,}/g, '<hex>')
          .replace(/\d+/g, 'N')
          .replace(/'[^']*'/g, "'…'")
          .slice(0, 110);
        messages.set(kind, (messages.get(kind) ?? 0) + 1);
      }
    }
    console.log(
      `file fuzz: ${all.length} mutations\n${[...tally]
        .map(
          ([family, counts]) =>
            `  ${family}: ${Object.entries(counts)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ')}`,
        )
        .join('\n')}`,
    );
    console.log(
      `file fuzz: refusals by message:\n${[...messages].map(([m, n]) => `  ${n}x ${m}`).join('\n')}`,
    );
    if (otherModels.length)
      console.log(`file fuzz: edits that make another valid model:\n  ${otherModels.join('\n  ')}`);
    const isKnown = (v: string) => KNOWN_VIOLATIONS.some(([pattern]) => pattern.test(v));
    const known = violations.filter(isKnown);
    if (known.length) console.log(`file fuzz: known violations (reported):\n  ${known.join('\n  ')}`);
    expect(all.length).toBeGreaterThan(300);
    expect(violations.filter((v) => !isKnown(v))).toEqual([]);
    const fixed = KNOWN_VIOLATIONS.filter(([pattern]) => !violations.some((v) => pattern.test(v))).map(
      ([, why]) => why,
    );
    expect(fixed, 'these known violations no longer occur: remove them from KNOWN_VIOLATIONS').toEqual([]);
  });
});
