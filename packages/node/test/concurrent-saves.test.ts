import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, saveModel } from '../src/index.js';
import { tinyNet, weightsOf, whichOf } from './child/nets.js';
import { buildForChildren, spawnChild } from './children.js';

/** model.json and the one weights file it names, nothing else. */
async function expectOneModel(dir: string): Promise<void> {
  const { weightsFile } = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  expect((await readdir(dir)).sort()).toEqual(['model.json', weightsFile]);
}

describe('saves into one folder at once', () => {
  const dirs: string[] = [];
  const newDir = async () => {
    dirs.push(await mkdtemp(join(tmpdir(), 'cnn-concurrent-')));
    return dirs.at(-1)!;
  };
  let children: Awaited<ReturnType<typeof buildForChildren>>;
  beforeAll(async () => {
    cnn.setBackend(cpu());
    children = await buildForChildren();
  });
  afterAll(() =>
    Promise.all([children.remove(), ...dirs.map((dir) => rm(dir, { recursive: true, force: true }))]),
  );

  it('two saves racing in one process leave one complete model and no stray files', async () => {
    const dir = await newDir();
    const models = [1, 2].map((seed) => tinyNet(seed).initialize());
    const candidates = await Promise.all(models.map(weightsOf));
    const saved = await Promise.all(models.map((m) => saveModel(m, dir)));
    // The last writer's model: model.json names the weights file of one of the two saves, and that is what loads.
    const { weightsFile } = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const winner = saved.findIndex((s) => s.weightsFile === join(dir, weightsFile));
    expect(winner).toBeGreaterThanOrEqual(0);
    expect(await whichOf(await loadModel(dir), candidates)).toBe(winner);
    await expectOneModel(dir);
  });

  it('many saves and loads racing in one process: every load succeeds, one model remains', async () => {
    const dir = await newDir();
    const models = [1, 2, 3, 4, 5, 6].map((seed) => tinyNet(seed).initialize());
    const candidates = await Promise.all(models.map(weightsOf));
    await saveModel(models[0]!, dir);
    for (let round = 0; round < 5; round++) {
      const loads = Array.from({ length: 4 }, () => loadModel(dir).then((m) => whichOf(m, candidates)));
      const [held] = await Promise.all([Promise.all(loads), ...models.map((m) => saveModel(m, dir))]);
      for (const index of held) expect(index).toBeGreaterThanOrEqual(0);
    }
    expect(await whichOf(await loadModel(dir), candidates)).toBeGreaterThanOrEqual(0);
    await expectOneModel(dir);
  });

  it('two processes saving into one folder over and over leave the last writer’s model; loads meanwhile never fail', {
    timeout: 60_000,
  }, async () => {
    const dir = await newDir();
    const seeds = [40, 41, 42, 43, 44];
    const candidates = await Promise.all(seeds.map((seed) => weightsOf(tinyNet(seed).initialize())));
    await saveModel(tinyNet(40).initialize(), dir);
    const saves = 40;
    const savers = [
      spawnChild(children.script('save-loop.ts'), [dir, '41,42', '0', String(saves)]),
      spawnChild(children.script('save-loop.ts'), [dir, '43,44', '0', String(saves)]),
    ];
    await Promise.all(savers.map((c) => c.printed('ready')));
    for (const c of savers) c.process.stdin!.write('go\n');
    let running = true;
    const exits = Promise.all(savers.map((c) => c.closed)).finally(() => (running = false));
    let loads = 0;
    while (running) {
      expect(await whichOf(await loadModel(dir), candidates)).toBeGreaterThanOrEqual(0);
      loads++;
    }
    for (const { code, stderr } of await exits) expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(loads).toBeGreaterThan(0);
    // Each child's last save is save 39 (seeds 42 and 44); whichever renamed model.json last holds the folder.
    const held = seeds[await whichOf(await loadModel(dir), candidates)];
    expect([42, 44]).toContain(held);
    await expectOneModel(dir);
  });
});
