import { describe, expect, it } from 'vitest';
import { alexnet, densenet, googlenet, lenet5, resnet, vgg, zfnet } from '../src/index.js';
import { batchNormChannels, shapeOf } from './helpers.js';

// Full-size variants are only built, never initialized: the counts come from the weight shapes, so even
// VGG-19 costs nothing. Published counts are PyTorch's `sum(p.numel() for p in model.parameters())`, which
// includes batch norm's gamma and beta but not its running mean and variance (buffers). Our `trainable`
// count is the same set; `total` adds the two running statistics per batch norm channel.

describe('full variants: the published parameter counts', () => {
  it('LeNet-5: 61,706 with 400 fc1 inputs, 44,426 as the unpadded 28x28 PyTorch fixture', () => {
    // LeCun et al. 1998 layer sizes: 156 + 2,416 + 48,120 + 10,164 + 850 (the 1998 C3 used a sparse table
    // of 1,516 weights; the dense conv2 every modern reimplementation uses has 2,416).
    expect(lenet5({ inputShape: [32, 32, 1], padFirst: false }).countParams().total).toBe(61_706);
    expect(lenet5().countParams().total).toBe(61_706);
    // fixtures/torch/network_lenet5_001_n2c1h28w28: 156 + 2,416 + (256·120 + 120) + 10,164 + 850.
    const fixture = lenet5({ padFirst: false });
    expect(fixture.countParams().total).toBe(44_426);
    expect(shapeOf(fixture, 'flatten')).toEqual([256]);
  });

  it('AlexNet: torchvision alexnet 61,100,840 (~61M); the 2012 paper 60,965,224 grouped, 62,378,344 not', () => {
    // torchvision.models.alexnet (AlexNet_Weights.IMAGENET1K_V1 meta num_params = 61,100,840). torchvision
    // pools adaptively to 6x6 before the classifier; at 224x224 the features already are 6x6x256.
    const tv = alexnet();
    expect(shapeOf(tv, 'pool5')).toEqual([6, 6, 256]);
    expect(tv.countParams().total).toBe(61_100_840);
    expect(tv.countParams().total).toBeGreaterThan(61e6);
    expect(tv.countParams().total).toBeLessThan(61.2e6);
    // Krizhevsky et al. 2012 (two-GPU groups in conv2/4/5, LRN has no weights), 227x227 input: 60,965,224,
    // the count of Caffe's bvlc_alexnet. Ungrouped (one GPU): 62,378,344, the "62.3M" usually quoted
    // (HewlettPackard/dlcookbook-dlbs docs/models/models.md lists bvlc_alexnet with group=1 at 62,378,344).
    const original = alexnet({ variant: 'original' });
    expect(shapeOf(original, 'conv1')).toEqual([55, 55, 96]);
    expect(shapeOf(original, 'pool5')).toEqual([6, 6, 256]);
    expect(original.countParams().total).toBe(60_965_224);
    expect(alexnet({ variant: 'original', groups: false }).countParams().total).toBe(62_378_344);
    expect(original.layers.map((l) => l.className)).toContain('LRN');
  });

  it('ZFNet: 62,357,608, computed from the paper (Zeiler & Fergus 2013, Fig. 3) with no published total', () => {
    // convs 7·7·3·96+96 + 5·5·96·256+256 + 3·3·256·384+384 + 3·3·384·384+384 + 3·3·384·256+256 = 3,726,464;
    // fc 9216·4096+4096 + 4096·4096+4096 + 4096·1000+1000 = 58,631,144. Padding 1 on conv1 and ceil-mode
    // pools reproduce the figure's map sizes 110, 55, 26, 13, 13, 13, 13, 6.
    const model = zfnet();
    expect(shapeOf(model, 'conv1')).toEqual([110, 110, 96]);
    expect(shapeOf(model, 'pool1')).toEqual([55, 55, 96]);
    expect(shapeOf(model, 'conv2')).toEqual([26, 26, 256]);
    expect(shapeOf(model, 'pool2')).toEqual([13, 13, 256]);
    expect(shapeOf(model, 'conv5')).toEqual([13, 13, 256]);
    expect(shapeOf(model, 'pool5')).toEqual([6, 6, 256]);
    expect(model.countParams().total).toBe(62_357_608);
  });

  it('VGG: torchvision vgg11/13/16/19 and their _bn versions', () => {
    // torchvision.models.vgg*: VGG*_Weights.IMAGENET1K_V1 meta num_params. At 224x224 the last map is 7x7x512,
    // what torchvision's adaptive pool outputs, so fc1 has 25,088 inputs as there.
    const published = {
      11: [132_863_336, 132_868_840],
      13: [133_047_848, 133_053_736],
      16: [138_357_544, 138_365_992],
      19: [143_667_240, 143_678_248],
    } as const;
    for (const depth of [11, 13, 16, 19] as const) {
      const [plain, bn] = published[depth];
      expect(vgg({ depth }).countParams()).toEqual({ total: plain, trainable: plain });
      const withBn = vgg({ depth, batchNorm: true });
      expect(withBn.countParams().trainable).toBe(bn);
      expect(withBn.countParams().total).toBe(bn + 2 * batchNormChannels(withBn));
    }
    expect(shapeOf(vgg(), 'block5.pool')).toEqual([7, 7, 512]);
    expect(vgg().countParams().total).toBe(138_357_544);
  });

  it('GoogLeNet: torchvision googlenet 6,624,904; the paper without BN and with 5x5 branches 6,998,552', () => {
    // torchvision.models.googlenet (GoogLeNet_Weights.IMAGENET1K_V1 meta num_params = 6,624,904): batch norm,
    // 3x3 in the "5x5" branch, no aux classifiers (they are dropped when the weights load).
    const tv = googlenet();
    expect(tv.countParams().trainable).toBe(6_624_904);
    expect(tv.countParams().total).toBe(6_624_904 + 2 * batchNormChannels(tv)); // + 14,560 running statistics
    expect(shapeOf(tv, 'inception3a.concat')).toEqual([28, 28, 256]);
    expect(shapeOf(tv, 'inception4e.concat')).toEqual([14, 14, 832]);
    expect(shapeOf(tv, 'inception5b.concat')).toEqual([7, 7, 1024]);
    // Szegedy et al. 2014 (no BN, conv biases, true 5x5, no aux classifiers): 6,990,272 weights + 8,280 biases
    // = 6,998,552, the count of Caffe's bvlc_googlenet deploy net (HewlettPackard/dlcookbook-dlbs
    // docs/models/models.md). The paper's Table 1 column sums to 6,797.7K ("~6.8M"), but its entries are
    // rounded estimates (conv1 is listed at 2.7K where 7·7·3·64 = 9,408), so it cannot be matched exactly.
    const original = googlenet({ variant: 'original' });
    expect(original.countParams().total).toBe(6_998_552);
    expect(original.countParams().total).toBeGreaterThan(6.7e6);
    expect(original.countParams().total).toBeLessThan(7.1e6);
  });

  it('ResNet: torchvision resnet18/34/50/101/152', () => {
    // torchvision.models.resnet*: ResNet*_Weights.IMAGENET1K_V1 meta num_params.
    const published = { 18: 11_689_512, 34: 21_797_672, 50: 25_557_032, 101: 44_549_160, 152: 60_192_808 };
    for (const depth of [18, 34, 50, 101, 152] as const) {
      const model = resnet({ depth });
      expect(model.countParams().trainable).toBe(published[depth]);
      expect(model.countParams().total).toBe(published[depth] + 2 * batchNormChannels(model));
    }
    expect(resnet({ depth: 18 }).countParams().total).toBe(11_689_512 + 9_600);
    expect(resnet({ depth: 50 }).countParams().total).toBe(25_557_032 + 53_120);
    // The common CIFAR-10 ResNet-18 (3x3 stem, no max pool, 10 classes; e.g. kuangliu/pytorch-cifar):
    // 11,689,512 - 9,408 + 1,728 - 513,000 + 5,130 = 11,173,962.
    const cifar = resnet({ depth: 18, inputShape: [32, 32, 3], classes: 10, smallInput: true });
    expect(cifar.countParams().trainable).toBe(11_173_962);
    expect(shapeOf(cifar, 'layer4.1.relu')).toEqual([4, 4, 512]);
  });

  it('DenseNet: torchvision densenet121/161/169/201, and the paper`s CIFAR networks', () => {
    // torchvision.models.densenet*: DenseNet*_Weights.IMAGENET1K_V1 meta num_params.
    const published = { 121: 7_978_856, 161: 28_681_000, 169: 14_149_480, 201: 20_013_928 };
    for (const depth of [121, 161, 169, 201] as const) {
      const model = densenet({ depth });
      expect(model.countParams().trainable).toBe(published[depth]);
      expect(model.countParams().total).toBe(published[depth] + 2 * batchNormChannels(model));
    }
    const d121 = densenet({ depth: 121 });
    expect(shapeOf(d121, 'denseblock1.denselayer6.concat')).toEqual([56, 56, 256]);
    expect(shapeOf(d121, 'transition1.pool')).toEqual([28, 28, 128]);
    expect(shapeOf(d121, 'denseblock4.denselayer16.concat')).toEqual([7, 7, 1024]);
    // Huang et al. 2016, Table 2 (CIFAR, rounded to 0.1M there); exact counts computed here.
    const cifar = (options: Parameters<typeof densenet>[0]) => densenet(options).countParams().trainable;
    const plain = { bottleneck: false, compression: 1, initFeatures: 16 };
    expect(cifar({ depth: 40, ...plain })).toBe(1_019_722); // 1.0M
    expect(cifar({ depth: 100, ...plain })).toBe(6_979_642); // 7.0M
    expect(cifar({ depth: 100, growthRate: 24, ...plain })).toBe(27_249_082); // 27.2M
    expect(cifar({ depth: 100 })).toBe(769_162); // DenseNet-BC 0.8M
    expect(cifar({ depth: 250, growthRate: 24 })).toBe(15_324_406); // 15.3M
    expect(cifar({ depth: 190, growthRate: 40 })).toBe(25_624_430); // 25.6M
  });
});

describe('readable layer names', () => {
  it('follow the architecture (and torchvision where it has names)', () => {
    const names = (model: { layers: { name: string }[] }) => model.layers.map((l) => l.name);
    expect(names(lenet5())).toEqual(['conv1', 'pool1', 'conv2', 'pool2', 'flatten', 'fc1', 'fc2', 'fc3']);
    expect(names(vgg({ depth: 11, batchNorm: true }))).toEqual(
      expect.arrayContaining(['block1.conv1', 'block1.conv1.bn', 'block1.conv1.relu', 'block5.pool', 'fc3']),
    );
    expect(names(googlenet())).toEqual(
      expect.arrayContaining([
        'inception3a.branch1',
        'inception3a.branch2.reduce',
        'inception3a.branch2.conv',
        'inception3a.branch3.reduce',
        'inception3a.branch4.pool',
        'inception3a.branch4.proj',
        'inception3a.concat',
      ]),
    );
    expect(names(resnet({ depth: 18 }))).toEqual(
      expect.arrayContaining(['conv1', 'layer1.0.conv1', 'layer2.0.downsample.0', 'layer2.0.add', 'fc']),
    );
    expect(names(resnet({ depth: 18 }))).not.toContain('layer1.0.downsample.0');
    expect(names(densenet())).toEqual(
      expect.arrayContaining([
        'conv0',
        'denseblock1.denselayer1.conv1',
        'transition3.pool',
        'norm5',
        'classifier',
      ]),
    );
  });

  it('the projection shortcut appears exactly where the shape changes', () => {
    const r50 = resnet({ depth: 50 });
    const downsamples = r50.layers.filter((l) => l.name.endsWith('downsample.0')).map((l) => l.name);
    // Bottlenecks widen 64 -> 256 in layer1, so even its first block projects.
    expect(downsamples).toEqual([
      'layer1.0.downsample.0',
      'layer2.0.downsample.0',
      'layer3.0.downsample.0',
      'layer4.0.downsample.0',
    ]);
    expect(shapeOf(r50, 'layer1.0.downsample.1')).toEqual([56, 56, 256]);
    expect(shapeOf(r50, 'layer2.0.conv2')).toEqual([28, 28, 128]); // v1.5: the stride is on the 3x3
  });
});

describe('bad options', () => {
  it('are rejected with the builder and option named', () => {
    expect(() => vgg({ depth: 12 as 16 })).toThrow('vgg: depth must be 11, 13, 16 or 19, got 12');
    expect(() => resnet({ depth: 20 as 18 })).toThrow('resnet: depth must be 18, 34, 50, 101 or 152, got 20');
    expect(() => densenet({ depth: 50 })).toThrow('densenet: depth 50 is neither an ImageNet depth');
    expect(() => densenet({ compression: 0 })).toThrow('densenet: compression must be in (0, 1]');
    expect(() => alexnet({ width: 0 })).toThrow('alexnet: width must be a positive number, got 0');
    expect(() => lenet5({ classes: 0 })).toThrow('lenet5: classes must be a positive integer, got 0');
    expect(() => zfnet({ dropout: 1 })).toThrow('zfnet: dropout must be in [0, 1), got 1');
    expect(() => googlenet({ inputShape: [32, 32] as unknown as [number, number, number] })).toThrow(
      'googlenet: inputShape must be [height, width, channels]',
    );
    // Too small an image for the ImageNet stem fails at build time, naming the layer.
    expect(() => alexnet({ inputShape: [32, 32, 3] })).toThrow("layer 'pool5'");
  });
});
