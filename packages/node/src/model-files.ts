import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type Model,
  type ModelTopology,
  modelFromTopology,
  modelTopology,
  setWeightsFromBuffer,
} from '@cnn/core';

/**
 * On disk a model is a folder with `model.json` (the versioned topology, the weight manifest, the name,
 * size and SHA-256 of the weights file, and a SHA-256 of model.json's own content) and `weights.<id>.bin`
 * (little-endian float32).
 *
 * Saving never leaves a broken model behind, even when several saves (of one process or of several) write
 * into one folder at once, or a save is killed or the power fails at any moment. Saves take no lock (a
 * killed save can never block the next one, and there is no stale lock to break): each save writes only
 * files that no other save uses, and the one destructive step, removing older saves' files, removes only
 * what no save can still need. A save, whose files carry its owner tag `<pid>-<host>-<random>`:
 *
 *  1. creates the marker `weights.<id>.bin.saving-<owner>`, which protects its weights file until step 4;
 *  2. writes `weights.<id>.bin.tmp-<owner>`, fsyncs it, renames it to `weights.<id>.bin` (the id, a prefix
 *     of the content hash plus random digits, is new for every save) and fsyncs the folder, so the weights
 *     are durable before anything points at them;
 *  3. writes `model.json.tmp-<owner>`, fsyncs it, renames it to `model.json` (atomic: readers see the old
 *     model or the new one, and the last save to get here wins) and fsyncs the folder again;
 *  4. removes its marker;
 *  5. cleans up: lists the folder, lists it again for markers, then reads model.json, and removes the
 *     weights files that model.json does not name and no live marker protects, and the temporary files
 *     and markers of saves whose process is dead.
 *
 * Why step 5 never removes weights that a model.json names now or later: such a weights file belongs to a
 * save that has not finished step 3 by the time model.json is read. If the file was in the first listing,
 * it was renamed in before that listing ended, so its marker (created earlier, removed only after step 3)
 * was there for the whole second listing and protects it; if it was not in the first listing, it is no
 * candidate for removal.
 *
 * Whether an owner is alive: a save of this process is alive while it runs (a registry shared by every
 * copy of this module); another process on this host while `kill(pid, 0)` finds it; a process on another
 * host (a shared network folder) always counts as alive, as there is no way to tell, so its leftovers wait
 * for a save from that host.
 */
export interface ModelFile extends ModelTopology {
  weightsFile: string;
  weightsBytes: number;
  weightsSha256: string;
  /**
   * SHA-256 of this file's content without this field (JSON with keys sorted, no whitespace): any edit
   * is refused at load. Files saved by @cnn/node 0.1.0 lack it and still load.
   */
  manifestSha256?: string;
}

/** Options of `saveModel`. */
export interface SaveOptions {
  /** Save NaN and ±Infinity weights instead of refusing them (e.g. to inspect a model that diverged). */
  allowNonFinite?: boolean;
}

const MODEL_JSON = 'model.json';
const WEIGHTS_FILE = /^weights\.[0-9a-f]+\.bin$/;
/** Temporary files and markers: `<target>.tmp-<pid>-<host>-<random>` (0.1.0 wrote `.tmp-<pid>-<random>`). */
const LEFTOVER = /^(model\.json|weights\.[0-9a-f]+\.bin)\.(tmp|saving)-(\d+)-(?:([0-9a-f]{8})-)?([0-9a-f]+)$/;
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
/** Owner tags of this process's saves in progress; on globalThis so two copies of this module agree. */
const inFlight: Set<string> = ((globalThis as Record<symbol, Set<string>>)[
  Symbol.for('@cnn/node: saves in progress')
] ??= new Set());

/** Saves a model to the folder `dir`: `model.json` and its weights file, written atomically (a crash leaves the old save or the new one, never a mix) and checksummed. Resolves to the two paths. */
export async function saveModel(
  model: Model,
  dir: string,
  options: SaveOptions = {},
): Promise<{ modelJson: string; weightsFile: string }> {
  checkPath('saveModel', dir);
  const bytes = await weightBytes(model, options.allowNonFinite ?? false);
  const weightsSha256 = sha256(bytes);
  const weightsFile = `weights.${weightsSha256.slice(0, 16)}${randomBytes(4).toString('hex')}.bin`;
  const file: ModelFile = {
    ...modelTopology(model),
    weightsFile,
    weightsBytes: bytes.length,
    weightsSha256,
  };
  file.manifestSha256 = manifestSha256(file);
  await makeFolder(dir);

  const owner = `${process.pid}-${HOST}-${randomBytes(4).toString('hex')}`;
  const marker = join(dir, `${weightsFile}.saving-${owner}`);
  let committed = false;
  inFlight.add(owner);
  try {
    await attempt(`create ${marker}`, async () => (await open(marker, 'wx')).close());
    await writeDurably(join(dir, weightsFile), bytes, owner);
    await syncFolder(dir);
    await writeDurably(join(dir, MODEL_JSON), Buffer.from(`${JSON.stringify(file, null, 1)}\n`), owner);
    committed = true;
    await syncFolder(dir);
  } catch (error) {
    // The previous model is untouched; take this save's weights away with it.
    if (!committed) await rm(join(dir, weightsFile), { force: true }).catch(() => {});
    throw error;
  } finally {
    await rm(marker, { force: true }).catch(() => {});
    inFlight.delete(owner);
  }
  // The model is saved; a failed clean-up only leaves files that a later save removes.
  await removeLeftovers(dir).catch(() => {});
  return { modelJson: join(dir, MODEL_JSON), weightsFile: join(dir, weightsFile) };
}

/** Loads a saved model (on the current backend); errors say what is wrong with which file. */
export async function loadModel(dir: string): Promise<Model> {
  const { file, weights, jsonPath } = await readModelFiles('loadModel', dir);
  return fromCore('loadModel', jsonPath, () => modelFromTopology(file, weights));
}

/** Loads saved weights into an existing model with the same layer names and shapes. */
export async function loadWeights(model: Model, dir: string): Promise<void> {
  const { file, weights, jsonPath } = await readModelFiles('loadWeights', dir);
  fromCore('loadWeights', jsonPath, () => setWeightsFromBuffer(model, file.weights, weights));
}

/** The weights in manifest order as little-endian float32, refusing disposed and (by default) non-finite ones. */
async function weightBytes(model: Model, allowNonFinite: boolean): Promise<Buffer> {
  const weights = model.getWeights();
  const out = Buffer.alloc(4 * weights.reduce((n, w) => n + w.tensor.size, 0));
  let offset = 0;
  for (const { name, tensor } of weights) {
    if (tensor.isDisposed) throw new Error(`saveModel: weight '${name}' has been disposed`);
    let values: Float32Array;
    try {
      values = await tensor.data();
    } catch (error) {
      // Disposed while we waited (training goes on, say): the same message as above.
      if (tensor.isDisposed) throw new Error(`saveModel: weight '${name}' has been disposed`);
      throw new Error(`saveModel: cannot read weight '${name}': ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (!allowNonFinite) {
      const bad = values.reduce((n, v) => (Number.isFinite(v) ? n : n + 1), 0);
      if (bad > 0) {
        const first = values.findIndex((v) => !Number.isFinite(v));
        throw new Error(
          `saveModel: weight '${name}' holds ${bad} non-finite value(s) (${values[first]} at index ${first}); ` +
            'pass { allowNonFinite: true } to save it anyway',
        );
      }
    }
    for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i]!, offset + i * 4);
    offset += values.length * 4;
  }
  return out;
}

function checkPath(caller: string, dir: unknown): asserts dir is string {
  if (typeof dir !== 'string') throw new Error(`${caller}: the folder must be a path, got ${typeof dir}`);
  if (dir === '') throw new Error(`${caller}: the folder path is empty`);
}

async function makeFolder(dir: string): Promise<void> {
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR')
      throw new Error(`saveModel: cannot create the folder ${dir}: it or a folder above it is a file`, {
        cause: error,
      });
    throw fsError(`create the folder ${dir}`, error);
  }
  // A new folder is durable once the folder holding it is synced (the model's own folder is synced later).
  if (created === undefined) return;
  const top = dirname(resolve(created));
  for (let path = resolve(dir); path !== top && dirname(path) !== path; ) {
    path = dirname(path);
    await syncFolder(path);
  }
}

/** Writes `path` through a temporary file, fsynced before the rename, so `path` is old or new, never partial. */
async function writeDurably(path: string, data: Buffer, owner: string): Promise<void> {
  const temporary = `${path}.tmp-${owner}`;
  try {
    await attempt(`write ${temporary}`, async () => {
      const handle = await open(temporary, 'wx');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
    await attempt(`rename ${temporary} to ${path}`, () => rename(temporary, path));
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw error;
  }
}

/** Makes the folder's entries (renames) durable. Some systems cannot sync a folder; renames stay atomic. */
async function syncFolder(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {}
}

/** Step 5 of the design above. */
async function removeLeftovers(dir: string): Promise<void> {
  const names = await readdir(dir);
  const protectedWeights = new Set<string>();
  for (const name of await readdir(dir)) {
    const leftover = parseLeftover(name);
    if (leftover?.kind === 'saving' && isAlive(leftover)) protectedWeights.add(leftover.target);
  }
  const current = await currentWeightsFile(dir);
  for (const name of names) {
    let remove: boolean;
    if (WEIGHTS_FILE.test(name)) remove = current !== null && name !== current && !protectedWeights.has(name);
    else {
      const leftover = parseLeftover(name);
      remove = leftover !== null && !isAlive(leftover);
    }
    if (remove) await rm(join(dir, name), { force: true }).catch(() => {});
  }
}

interface Leftover {
  target: string;
  kind: 'tmp' | 'saving';
  pid: number;
  host: string | undefined;
  owner: string;
}

function parseLeftover(name: string): Leftover | null {
  const m = LEFTOVER.exec(name);
  if (!m) return null;
  const [, target, kind, pid, host, random] = m;
  return {
    target: target!,
    kind: kind as Leftover['kind'],
    pid: Number(pid),
    host,
    owner: host === undefined ? `${pid}-${random}` : `${pid}-${host}-${random}`,
  };
}

function isAlive({ pid, host, owner }: Leftover): boolean {
  if (host !== undefined && host !== HOST) return true;
  if (pid === process.pid) return inFlight.has(owner);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** The weights file model.json names, or null when it cannot be told (then nothing is removed). */
async function currentWeightsFile(dir: string): Promise<string | null> {
  try {
    const { weightsFile } = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8'));
    return typeof weightsFile === 'string' && WEIGHTS_FILE.test(weightsFile) ? weightsFile : null;
  } catch {
    return null;
  }
}

async function readModelFiles(
  caller: string,
  dir: string,
): Promise<{ file: ModelFile; weights: Float32Array; jsonPath: string }> {
  checkPath(caller, dir);
  const jsonPath = join(dir, MODEL_JSON);
  // A save may replace model.json and remove the weights it named between our two reads: read again.
  for (let tries = 1; ; tries++) {
    const text = await readText(caller, jsonPath);
    const file = parseModelFile(caller, jsonPath, text);
    const weightsPath = join(dir, file.weightsFile);
    let bytes: Buffer;
    try {
      bytes = await readFile(weightsPath);
    } catch (error) {
      const replaced = tries < 10 && (await readFile(jsonPath, 'utf8').catch(() => text)) !== text;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && replaced) continue;
      throw new Error(`${caller}: cannot read the weights ${weightsPath}: ${describe(error)}`, {
        cause: error,
      });
    }
    if (bytes.length !== file.weightsBytes) {
      throw new Error(
        `${caller}: ${weightsPath} has ${bytes.length} bytes but ${file.weightsBytes} were saved (truncated?)`,
      );
    }
    const hash = sha256(bytes);
    if (hash !== file.weightsSha256) {
      throw new Error(
        `${caller}: ${weightsPath} is corrupted (SHA-256 ${hash.slice(0, 16)}..., saved ${file.weightsSha256.slice(0, 16)}...)`,
      );
    }
    return { file, weights: fromLittleEndian(bytes), jsonPath };
  }
}

async function readText(caller: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`${caller}: cannot read ${path}: ${describe(error)}`, { cause: error });
  }
}

/** Parses and checks model.json, so that a bad file is an error naming the file and field, never a TypeError. */
function parseModelFile(caller: string, jsonPath: string, text: string): ModelFile {
  let file: Record<string, unknown>;
  try {
    file = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${caller}: ${jsonPath} is not valid JSON (truncated or corrupted): ${(error as Error).message}`,
    );
  }
  const fail = (problem: string): never => {
    throw new Error(`${caller}: ${jsonPath} ${problem}`);
  };
  if (typeof file !== 'object' || file === null || Array.isArray(file))
    fail(
      `is not a ${MODEL_FORMAT} file (it holds ${file === null ? 'null' : Array.isArray(file) ? 'a list' : `a ${typeof file}`})`,
    );
  if (file.format !== MODEL_FORMAT)
    fail(`is not a ${MODEL_FORMAT} file (format: ${JSON.stringify(file.format) ?? 'missing'})`);
  const version = file.version;
  if (version === undefined) fail(`has no 'version'`);
  if (typeof version !== 'number') {
    fail(
      `has version ${JSON.stringify(version)}, a ${typeName(version)}; this library reads version ` +
        `${MODEL_FORMAT_VERSION}, a number`,
    );
  }
  if (version !== MODEL_FORMAT_VERSION) {
    throw new Error(
      `${caller}: ${jsonPath}: model format version ${version} is not supported (this library reads version ${MODEL_FORMAT_VERSION})`,
    );
  }
  const check = (field: string, ok: boolean, expected: string) => {
    if (!ok) fail(`has an invalid '${field}' (expected ${expected})`);
  };
  const has = (field: string, ok: (v: unknown) => boolean, expected: string) => {
    if (!(field in file)) fail(`has no '${field}' (${expected})`);
    check(field, ok(file[field]), expected);
  };
  has('name', isString, 'a string');
  has('seed', Number.isFinite, 'a number');
  has('layers', Array.isArray, 'a list of layers');
  (file.layers as Record<string, unknown>[]).forEach((layer, i) => {
    const at = `layers[${i}]`;
    check(at, isObject(layer), 'an object');
    check(`${at}.name`, isString(layer.name), 'a string');
    check(`${at}.className`, isString(layer.className), 'a string');
    check(`${at}.config`, isObject(layer.config), 'an object');
    check(`${at}.inbound`, isStrings(layer.inbound), 'a list of layer names');
  });
  has('inputs', isStrings, 'a list of layer names');
  has('outputs', isStrings, 'a list of layer names');
  has('weights', Array.isArray, 'the weight manifest, a list');
  (file.weights as Record<string, unknown>[]).forEach((weight, i) => {
    check(`weights[${i}]`, isObject(weight), 'an object');
    check(`weights[${i}].name`, isString(weight.name), 'a string');
    const shape = weight.shape;
    const isShape = Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0);
    check(`weights[${i}].shape`, isShape, 'a list of sizes');
  });
  has('weightsFile', (v) => isString(v) && WEIGHTS_FILE.test(v), 'the weights file name, weights.<hex>.bin');
  has(
    'weightsBytes',
    (v) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) % 4 === 0,
    'a byte count, a multiple of 4',
  );
  has(
    'weightsSha256',
    (v) => isString(v) && /^[0-9a-f]{64}$/.test(v),
    "the weights file's SHA-256, 64 hex digits",
  );
  // Last, so that a missing or mistyped field is named above; an edit that keeps the file valid ends here.
  if ('manifestSha256' in file) {
    if (typeof file.manifestSha256 !== 'string') fail(`has an invalid 'manifestSha256' (expected a string)`);
    if (file.manifestSha256 !== manifestSha256(file))
      fail(
        'was changed after it was saved (its content does not match its manifestSha256); save the model again',
      );
  }
  return file as unknown as ModelFile;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown) => Array.isArray(v) && v.every(isString);
const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v);

/** Core's load errors (manifest against model), prefixed with the caller and the file. */
function fromCore<T>(caller: string, jsonPath: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    const message = (error as Error).message.replace(/^load: /, '');
    throw new Error(`${caller}: ${jsonPath}: ${message}`, { cause: error });
  }
}

/** SHA-256 of the file's JSON content without `manifestSha256`, keys sorted (the written form's whitespace is free). */
function manifestSha256(file: object): string {
  const { manifestSha256: _, ...content } = file as Record<string, unknown>;
  // Hash what a reader parses back (undefined dropped, etc.), so save and load hash the same thing.
  return sha256(canonicalJson(JSON.parse(JSON.stringify(content))));
}

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

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Runs one file-system step of a save; its failure becomes an error naming the path and the cause. */
async function attempt<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw fsError(what, error);
  }
}

function fsError(what: string, error: unknown): Error {
  return new Error(`saveModel: cannot ${what}: ${describe(error)}`, { cause: error });
}

const causes: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'it already exists',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/** An fs error as words plus its code, e.g. `permission denied (EACCES)`. */
function describe(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code && causes[code]) return `${causes[code]} (${code})`;
  return message;
}

function fromLittleEndian(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
