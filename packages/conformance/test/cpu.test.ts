import { cpu } from '@cnn/backend-cpu';
import { reference } from '@cnn/backend-reference';
import { withoutOptionalKernels } from '@cnn/core';
import { describeBackend } from '../src/vitest.js';

// The whole suite on backend-cpu, with the independent reference backend as its differential reference.
// The default backend uses one thread per core; the suite runs once on one thread and once with every GEMM,
// however small, split over three threads (the threaded path, whatever this machine's core count).
describeBackend('cpu', cpu, { tolerance: 'cpu', reference });
describeBackend('cpu, one thread', () => cpu({ threads: 1 }), { tolerance: 'cpu', reference });
describeBackend(
  'cpu, 3 threads, every GEMM split',
  async () => {
    const backend = cpu({ threads: 3, minWorkPerThread: 0 });
    await backend.whenThreadsReady();
    return backend;
  },
  { tolerance: 'cpu', reference },
);

// The same backend with every optional kernel hidden: core composes them from the 16 required kernels.
describeBackend('cpu, required kernels only', () => withoutOptionalKernels(cpu()), {
  tolerance: 'cpu',
  reference,
});

// The reference backend itself against the external references (fixtures, finite differences, edges).
describeBackend('reference', reference, { tolerance: 'cpu' });

// backend-cpu's TypeScript GEMM, the fallback where WebAssembly SIMD is missing (float64 sums).
describeBackend('cpu, TypeScript kernels', () => cpu({ gemm: 'js' }), { tolerance: 'cpu', reference });
