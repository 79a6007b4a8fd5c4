import { cpu } from '@cnn/backend-cpu';
import { describeBackend } from '@cnn/conformance/vitest';
import { tfjsCpu } from '../src/index.js';

// The whole conformance suite on tfjs's cpu engine, with backend-cpu as the differential reference.
describeBackend('tfjs-cpu', tfjsCpu, { tolerance: 'cpu', reference: cpu });
