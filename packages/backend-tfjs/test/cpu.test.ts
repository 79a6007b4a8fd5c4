import { reference } from '@cnn/backend-reference';
import { describeBackend } from '@cnn/conformance/vitest';
import { tfjsCpu } from '../src/index.js';

// The whole conformance suite on tfjs's cpu engine, with the reference backend as the differential reference.
describeBackend('tfjs-cpu', tfjsCpu, { tolerance: 'cpu', reference });
