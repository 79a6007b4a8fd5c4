import { cpu } from '@cnn/backend-cpu';
import { describeBackend } from '@cnn/conformance/vitest';
import { tfjsWasm } from '../src/index.js';

// The whole conformance suite on tfjs's wasm engine, with backend-cpu as the differential reference.
describeBackend('tfjs-wasm', tfjsWasm, { tolerance: 'cpu', reference: cpu });
