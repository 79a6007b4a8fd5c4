import { reference } from '@cnn/backend-reference';
import { describeBackend } from '@cnn/conformance/vitest';
import { gpujs } from '../src/index.js';

// The whole conformance suite on headless-gl (WebGL 1 through ANGLE on Mesa llvmpipe), with the reference
// backend as the differential reference and the 'webgl' tolerance class (GLSL ES highp: u = 2^-16).
describeBackend('gpujs', () => gpujs(), { tolerance: 'webgl', reference });
