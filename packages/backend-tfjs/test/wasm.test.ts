import { reference } from '@cnn/backend-reference';
import { describeBackend } from '@cnn/conformance/vitest';
import { tfjsWasm } from '../src/index.js';

// The whole conformance suite on tfjs's wasm engine, with the reference backend as the differential reference.
describeBackend('tfjs-wasm', tfjsWasm, { tolerance: 'cpu', reference });
