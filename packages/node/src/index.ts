export { loadModel, loadWeights, type ModelFile, type SaveOptions, saveModel } from './model-files.js';
export { progressBar } from './progress.js';
