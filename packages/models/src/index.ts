export { type AlexNetOptions, alexnet } from './alexnet.js';
export { type CommonOptions, type ImageShape, scaled } from './common.js';
export {
  DENSENET_CONFIGS,
  type DenseNetImageNetDepth,
  type DenseNetOptions,
  densenet,
} from './densenet.js';
export { type GoogLeNetOptions, googlenet, INCEPTION_BLOCKS, type InceptionConfig } from './googlenet.js';
export { type LeNet5Options, lenet5 } from './lenet.js';
export {
  MOBILENET_V1_BLOCKS,
  MOBILENET_V2_STAGES,
  type MobileNetV1Options,
  type MobileNetV2Options,
  makeDivisible,
  mobilenetV1,
  mobilenetV2,
} from './mobilenet.js';
export { RESNET_STAGES, type ResNetDepth, type ResNetOptions, resnet } from './resnet.js';
export { VGG_BLOCKS, type VggDepth, type VggOptions, vgg } from './vgg.js';
export { type ZFNetOptions, zfnet } from './zfnet.js';
