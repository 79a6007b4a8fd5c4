import { type Model, type ModelTopology, modelFromTopology, modelTopology } from '@cnn/core';

/**
 * A saved model's JSON: the topology and weight manifest of core's model format, plus the name, size and
 * SHA-256 of the weights and a SHA-256 of this JSON's own content. The same fields, and the same bytes,
 * as @cnn/node's `model.json`: a model saved by either loads with the other.
 */
export interface ModelFile extends ModelTopology {
  /** The weights file's name, `weights.<hex>.bin` (its bytes: little-endian float32, manifest order). */
  weightsFile: string;
  weightsBytes: number;
  weightsSha256: string;
  /** SHA-256 of this content without this field (JSON, keys sorted, no whitespace); any edit is refused at load. */
  manifestSha256?: string;
}

/** A model encoded for a carrier: the JSON text (what `model.json` holds) and the weights bytes. */
export interface EncodedModel {
  /** `model.json`'s text. */
  modelJson: string;
  file: ModelFile;
  /** The weights file's name, as recorded in the JSON. */
  weightsFile: string;
  weights: Uint8Array;
}

/** Options of the save functions. */
export interface SaveOptions {
  /** Save NaN and ±Infinity weights instead of refusing them (e.g. to inspect a model that diverged). */
  allowNonFinite?: boolean | undefined;
}

const WEIGHTS_FILE = /^weights\.[0-9a-f]+\.bin$/;

/** SHA-256 in hex, through Web Crypto (browsers offer it in secure contexts: https, localhost; Node 20 too). */
export async function sha256(caller: string, data: Uint8Array | string): Promise<string> {
  const subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (!subtle) {
    throw new Error(
      `${caller}: needs Web Crypto (crypto.subtle) to check the model's SHA-256; browsers offer it only in secure contexts (https:// or http://localhost)`,
    );
  }
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The manifest hash @cnn/node writes: SHA-256 of the canonical JSON of everything but `manifestSha256`. */
async function manifestSha256(caller: string, file: object): Promise<string> {
  const { manifestSha256: _, ...content } = file as Record<string, unknown>;
  // Hash what a reader parses back (undefined dropped, etc.), so save and load hash the same thing.
  return sha256(caller, canonicalJson(JSON.parse(JSON.stringify(content))));
}

/** The weights as little-endian float32 bytes, refusing disposed and (by default) non-finite ones. */
async function weightBytes(caller: string, model: Model, allowNonFinite: boolean): Promise<Uint8Array> {
  const weights = model.getWeights();
  const out = new Uint8Array(4 * weights.reduce((n, w) => n + w.tensor.size, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const { name, tensor } of weights) {
    if (tensor.isDisposed) throw new Error(`${caller}: weight '${name}' has been disposed`);
    const values = await tensor.data();
    if (!allowNonFinite) {
      const first = values.findIndex((v) => !Number.isFinite(v));
      if (first >= 0) {
        const bad = values.reduce((n, v) => (Number.isFinite(v) ? n : n + 1), 0);
        throw new Error(
          `${caller}: weight '${name}' holds ${bad} non-finite value(s) (${values[first]} at index ${first}); pass { allowNonFinite: true } to save it anyway`,
        );
      }
    }
    for (let i = 0; i < values.length; i++) view.setFloat32(offset + i * 4, values[i]!, true);
    offset += values.length * 4;
  }
  return out;
}

/** Encodes a model for any carrier: the JSON (with both SHA-256s) and the weights bytes. */
export async function encodeModel(
  model: Model,
  options: SaveOptions = {},
  caller = 'saveModel',
): Promise<EncodedModel> {
  const weights = await weightBytes(caller, model, options.allowNonFinite ?? false);
  const weightsSha256 = await sha256(caller, weights);
  const random = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) =>
    b.toString(16).padStart(2, '0'),
  );
  const weightsFile = `weights.${weightsSha256.slice(0, 16)}${random.join('')}.bin`;
  const file: ModelFile = {
    ...modelTopology(model),
    weightsFile,
    weightsBytes: weights.length,
    weightsSha256,
  };
  file.manifestSha256 = await manifestSha256(caller, file);
  return { modelJson: `${JSON.stringify(file, null, 1)}\n`, file, weightsFile, weights };
}

/**
 * Parses a model's JSON and checks the carrier fields and the manifest hash; `source` names where it came
 * from in errors (a URL, `indexeddb://name`, a file name). The topology itself is checked by core.
 */
export async function parseModelJson(caller: string, source: string, text: string): Promise<ModelFile> {
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${caller}: ${source} is not valid JSON (truncated or corrupted): ${(error as Error).message}`,
    );
  }
  const fail = (problem: string): never => {
    throw new Error(`${caller}: ${source} ${problem}`);
  };
  if (!isObject(file)) fail('is not a cnn-model file (not a JSON object)');
  const f = file as Record<string, unknown>;
  if (f.format !== 'cnn-model')
    fail(`is not a cnn-model file (format: ${JSON.stringify(f.format) ?? 'missing'})`);
  const has = (field: string, ok: (v: unknown) => boolean, expected: string) => {
    if (!(field in f)) fail(`has no '${field}' (${expected})`);
    if (!ok(f[field])) fail(`has an invalid '${field}' (expected ${expected})`);
  };
  has(
    'weightsFile',
    (v) => typeof v === 'string' && WEIGHTS_FILE.test(v),
    'the weights file name, weights.<hex>.bin',
  );
  has(
    'weightsBytes',
    (v) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) % 4 === 0,
    'a byte count, a multiple of 4',
  );
  has(
    'weightsSha256',
    (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v),
    "the weights' SHA-256, 64 hex digits",
  );
  if ('manifestSha256' in f) {
    if (typeof f.manifestSha256 !== 'string') fail(`has an invalid 'manifestSha256' (expected a string)`);
    if (f.manifestSha256 !== (await manifestSha256(caller, f))) {
      fail(
        'was changed after it was saved (its content does not match its manifestSha256); save the model again',
      );
    }
  }
  return f as unknown as ModelFile;
}

/** Checks the weights bytes against the JSON (size, SHA-256) and decodes them to float32. */
export async function checkWeights(
  caller: string,
  source: string,
  file: ModelFile,
  bytes: Uint8Array,
): Promise<Float32Array> {
  if (bytes.length !== file.weightsBytes) {
    throw new Error(
      `${caller}: ${source} has ${bytes.length} bytes but ${file.weightsBytes} were saved (truncated?)`,
    );
  }
  const hash = await sha256(caller, bytes);
  if (hash !== file.weightsSha256) {
    throw new Error(
      `${caller}: ${source} is corrupted (SHA-256 ${hash.slice(0, 16)}..., saved ${file.weightsSha256.slice(0, 16)}...)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

/** Builds the model (on the current backend) from a checked file and weights; core's errors name the source. */
export function buildModel(caller: string, source: string, file: ModelFile, weights: Float32Array): Model {
  try {
    return modelFromTopology(file, weights);
  } catch (error) {
    const message = (error as Error).message.replace(/^load: /, '');
    throw new Error(`${caller}: ${source}: ${message}`, { cause: error });
  }
}

/** Decodes a model from its JSON text and weights bytes, with every integrity check. */
export async function decodeModel(
  caller: string,
  source: string,
  modelJson: string,
  weights: Uint8Array,
  weightsSource = source,
): Promise<Model> {
  const file = await parseModelJson(caller, source, modelJson);
  return buildModel(caller, source, file, await checkWeights(caller, weightsSource, file, weights));
}
