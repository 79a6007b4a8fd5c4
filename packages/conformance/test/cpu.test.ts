import { cpu } from '@cnn/backend-cpu';
import { describeBackend } from '../src/vitest.js';

// The whole suite on backend-cpu. Its differential reference is a second, independent cpu instance:
// this checks the differential machinery itself; the other backends use backend-cpu as their reference.
describeBackend('cpu', cpu, { tolerance: 'cpu', reference: cpu });
