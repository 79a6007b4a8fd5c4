import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as cnn from '../src/index.js';

// A second copy of @cnn/core (two versions installed side by side) must fail loudly at import time,
// naming both copies, instead of splitting the backend registry and the tensors between them.
const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, '..', 'src');
const KEY = Symbol.for('@cnn/core');
const temp = mkdtempSync(join(tmpdir(), 'cnn-core-copy-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('one @cnn/core per program', () => {
  it('the loaded copy registers its version and location on globalThis', () => {
    const registration = (globalThis as Record<symbol, unknown>)[KEY] as cnn.CoreRegistration;
    expect(registration.version).toBe(cnn.VERSION);
    expect(registration.url).toMatch(/singleton\.(ts|js)$/);
  });

  it('VERSION is the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { version: string };
    expect(cnn.VERSION).toBe(pkg.version);
  });

  it('a second copy from another folder refuses to load, naming both versions and paths', async () => {
    const copy = join(temp, 'other-copy', 'src');
    cpSync(src, copy, { recursive: true });
    const failure = await import(pathToFileURL(join(copy, 'index.ts')).href).then(
      () => new Error('the second copy loaded'),
      (error: unknown) => error as Error,
    );
    expect(failure.message).toContain('@cnn/core: two copies are loaded');
    expect(failure.message).toContain(`${cnn.VERSION} from ${pathToFileURL(join(src, 'singleton.ts')).href}`);
    expect(failure.message).toContain(pathToFileURL(join(copy, 'singleton.ts')).href);
    expect(failure.message).toContain('npm ls @cnn/core');
  });

  it('the same copy evaluated again (e.g. after a module reset) loads fine', async () => {
    vi.resetModules();
    const again = (await import('../src/index.js')) as typeof cnn;
    expect(again.VERSION).toBe(cnn.VERSION);
    expect(again).not.toBe(cnn); // a fresh evaluation of the same files
  });
});
