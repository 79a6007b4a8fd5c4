import { reference } from '@cnn/backend-reference';
import { describeBackend } from '@cnn/conformance/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expect, inject, it } from 'vitest';
import { tfjsWebgl } from '../../src/index.js';

it('runs on the webgl engine with float32 textures', async () => {
  const backend = await tfjsWebgl();
  expect(backend.name).toBe('tfjs-webgl');
  expect(tf.getBackend()).toBe('webgl');
  expect(tf.env().getNumber('WEBGL_VERSION')).toBeGreaterThanOrEqual(1);
  expect(tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')).toBe(true);
});

// The whole conformance suite on tfjs's webgl engine in headless Chromium (SwiftShader), the reference backend
// as the differential reference.
describeBackend('tfjs-webgl', tfjsWebgl, {
  tolerance: 'webgl',
  reference,
  fixtures: inject('conformanceFixtures'),
});
