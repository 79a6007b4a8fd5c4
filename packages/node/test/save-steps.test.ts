import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadModel, saveModel } from '../src/index.js';
import { tinyNet, weightsOf, whichOf } from './child/nets.js';

// Records the fsyncs and renames of saveModel (file names without their random parts), and can make
// one rename fail, to check the order of the durable steps and what a failed save leaves behind.
const fsLog = vi.hoisted(() => ({ steps: [] as string[], failRenameTo: '' }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const { basename } = await import('node:path');
  const name = (path: string) =>
    basename(path)
      .replace(/^weights\.[0-9a-f]+\.bin/, 'weights.<id>.bin')
      .replace(/\.(tmp|saving)-.*$/, '.$1')
      .replace(/^cnn-steps-.*$/, '<folder>');
  return {
    ...fs,
    open: async (
      path: string,
      ...rest: Parameters<typeof fs.open> extends [unknown, ...infer R] ? R : never
    ) => {
      const handle = await fs.open(path, ...rest);
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        fsLog.steps.push(`fsync ${name(path)}`);
        return sync();
      };
      return handle;
    },
    rename: async (from: string, to: string) => {
      if (fsLog.failRenameTo && basename(to).startsWith(fsLog.failRenameTo)) {
        throw Object.assign(new Error(`EIO: i/o error, rename '${from}' -> '${to}'`), { code: 'EIO' });
      }
      fsLog.steps.push(`rename ${name(from)} -> ${name(to)}`);
      return fs.rename(from, to);
    },
  };
});

describe('the steps of a save', () => {
  const dirs: string[] = [];
  const newDir = async () => {
    dirs.push(await mkdtemp(join(tmpdir(), 'cnn-steps-')));
    return dirs.at(-1)!;
  };
  beforeAll(() => cnn.setBackend(cpu()));
  beforeEach(() => {
    fsLog.steps = [];
    fsLog.failRenameTo = '';
  });
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('fsyncs the weights, renames them, fsyncs the folder, then writes, fsyncs and renames model.json and fsyncs the folder again', async () => {
    const dir = await newDir();
    await saveModel(tinyNet(1).initialize(), dir);
    expect(fsLog.steps).toEqual([
      'fsync weights.<id>.bin.tmp',
      'rename weights.<id>.bin.tmp -> weights.<id>.bin',
      'fsync <folder>',
      'fsync model.json.tmp',
      'rename model.json.tmp -> model.json',
      'fsync <folder>',
    ]);
  });

  it('a new folder is synced into the folder holding it before the weights are written', async () => {
    const dir = await newDir();
    await saveModel(tinyNet(1).initialize(), join(dir, 'a', 'b'));
    expect(fsLog.steps.slice(0, 3)).toEqual(['fsync a', 'fsync <folder>', 'fsync weights.<id>.bin.tmp']);
  });

  it.each(['weights.', 'model.json'])(
    'a save that fails renaming %s says where and why, and leaves the previous model and nothing else',
    async (failing) => {
      const dir = await newDir();
      const models = [tinyNet(1).initialize(), tinyNet(2).initialize()];
      await saveModel(models[0]!, dir);
      const before = (await readdir(dir)).sort();
      fsLog.failRenameTo = failing;
      const error = await saveModel(models[1]!, dir).catch((e: Error) => e);
      const target = failing === 'model.json' ? 'model\\.json' : 'weights\\.[0-9a-f]+\\.bin';
      expect((error as Error).message).toMatch(
        new RegExp(
          `^saveModel: cannot rename ${dir}/${target}\\.tmp-\\S+ to ${dir}/${target}: input/output error \\(EIO\\)$`,
        ),
      );
      expect((await readdir(dir)).sort()).toEqual(before);
      expect(await whichOf(await loadModel(dir), [await weightsOf(models[0]!)])).toBe(0);
    },
  );
});
