export { loadModel, loadWeights, type ModelFile, saveModel } from './model-files.js';
export { progressBar } from './progress.js';
