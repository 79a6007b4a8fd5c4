// The picker's probe reads core's registry and reports every backend, with the reason when one cannot start
// (also when one never finishes starting).
import '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { expect, it } from 'vitest';
import { probeBackends } from '../src/ui/backends.js';

it('reports every registered backend: available, failing with its message, or too slow to start', async () => {
  cnn.registerBackend({
    name: 'test-broken',
    create: () => {
      throw new Error('test-broken: no device (install the driver)');
    },
  });
  cnn.registerBackend({ name: 'test-hanging', create: () => new Promise<cnn.Backend>(() => {}) });
  const seen: string[] = [];
  const entries = await probeBackends(200, (e) => seen.push(e.name));
  const byName = new Map(entries.map((e) => [e.name, e]));
  expect(entries.map((e) => e.name).sort()).toEqual(
    cnn
      .registeredBackends()
      .map((b) => b.name)
      .sort(),
  );
  expect(seen).toEqual(entries.map((e) => e.name));
  expect(byName.get('cpu')).toMatchObject({ available: true });
  expect(byName.get('test-broken')).toMatchObject({
    available: false,
    reason: 'test-broken: no device (install the driver)',
  });
  expect(byName.get('test-hanging')).toMatchObject({
    available: false,
    reason: 'did not start within 0.2 s',
  });
});
