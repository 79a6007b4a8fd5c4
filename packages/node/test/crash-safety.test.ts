import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, saveModel } from '../src/index.js';
import { tinyNet, weightsOf, whichOf } from './child/nets.js';
import { buildForChildren, spawnChild } from './children.js';

/** A seeded generator of numbers in [0, 1) (mulberry32), so that a failing run can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('crash safety', () => {
  let dir: string;
  let children: Awaited<ReturnType<typeof buildForChildren>>;
  beforeAll(async () => {
    cnn.setBackend(cpu());
    children = await buildForChildren();
    dir = await mkdtemp(join(tmpdir(), 'cnn-crash-'));
  });
  afterAll(() => Promise.all([children.remove(), rm(dir, { recursive: true, force: true })]));

  it('a save SIGKILLed at random moments leaves the old or the new model; the next save leaves no stray files', {
    timeout: 90_000,
  }, async () => {
    // Save i writes model i % 3, so the old model (the last save reported), the new one (the save under way)
    // and any other state are told apart.
    const seeds = [71, 72, 73];
    const models = seeds.map((seed) => tinyNet(seed).initialize());
    const candidates = await Promise.all(models.map(weightsOf));
    const next = random(20_240_601);
    const kills = 24;
    let held = 0; // the index of the save the folder holds
    let leftBehind = 0;
    await saveModel(models[0]!, dir);
    for (let kill = 0; kill < kills; kill++) {
      const child = spawnChild(children.script('save-loop.ts'), [
        dir,
        seeds.join(','),
        String(held + 1),
        '0',
      ]);
      await child.printed('ready');
      child.process.stdin!.write('go\n');
      await sleep(next() * 40);
      child.process.kill('SIGKILL');
      const { signal, stderr } = await child.closed;
      expect({ signal, stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
      const reported = child.lines.filter((l) => l.startsWith('saved ')).map((l) => Number(l.slice(6)));
      const old = reported.at(-1) ?? held;

      const loaded = await whichOf(await loadModel(dir), candidates);
      expect([old % 3, (old + 1) % 3], `kill ${kill}: save ${old} done`).toContain(loaded);
      if ((await readdir(dir)).length > 2) leftBehind++;

      // One clean save (of the third model) tidies up what the killed save left.
      held = loaded === old % 3 ? old + 2 : old + 3;
      await saveModel(models[held % 3]!, dir);
      const { weightsFile } = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
      expect((await readdir(dir)).sort()).toEqual(['model.json', weightsFile]);
      expect(await whichOf(await loadModel(dir), candidates)).toBe(held % 3);
    }
    // Most kills land inside a save (the child does nothing else), so most leave files behind.
    expect(leftBehind).toBeGreaterThan(0);
  });
});
