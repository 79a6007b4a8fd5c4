export { loadModel, loadWeights, type ModelFile, type SaveOptions, saveModel } from './model-files.js';
export { type ProgressBar, progressBar } from './progress.js';
