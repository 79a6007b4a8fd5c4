import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { alexnet, densenet, googlenet, lenet5, resnet, vgg, zfnet } from '../src/index.js';
import { shapeOf } from './helpers.js';

/**
 * A real forward pass and training steps on the CPU backend, on 4 seeded random images: output shape
 * `[batch, classes]`, a finite loss, and no tensor leaked by a second `fit` (same count as after the first).
 */
async function forwardAndTrain(model: cnn.Model): Promise<number> {
  const inputShape = model.inputs[0]!.shape;
  const classes = model.outputs[0]!.shape[0]!;
  const n = 4;
  const x = cnn.randomNormal([n, ...inputShape], 0, 1, { seed: 7 });
  const y = cnn.tensor(
    Float32Array.from({ length: n }, (_, i) => i % classes),
    [n],
  );
  const out = model.predict(x);
  // The stem's kernel must move: the gradient reaches it through every Concat and Add.
  const stem = model.trainableVariables[0]!;
  const stemBefore = (await stem.read().data()).slice();
  expect(out.shape).toEqual([n, classes]);
  expect((await out.data()).every(Number.isFinite)).toBe(true);
  out.dispose();

  model.compile({ optimizer: new cnn.SGD({ learningRate: 0.01 }), loss: 'softmaxCrossEntropy' });
  const first = await model.fit(x, y, { epochs: 1, batchSize: 2 });
  const afterFirst = cnn.memory().numTensors;
  const second = await model.fit(x, y, { epochs: 1, batchSize: 2 });
  expect(cnn.memory().numTensors).toBe(afterFirst);
  const stemAfter = await stem.read().data();
  expect(stemAfter.some((v, i) => v !== stemBefore[i])).toBe(true);
  expect(Number.isFinite(first[0]!.loss)).toBe(true);
  expect(Number.isFinite(second[0]!.loss)).toBe(true);
  x.dispose();
  y.dispose();
  model.dispose();
  return first[0]!.loss;
}

describe('small variants train on the CPU backend', () => {
  beforeAll(() => cnn.setBackend(cpu()));

  it('LeNet-5 on MNIST-sized input: padded conv1 keeps 28x28 (the size formula in the summary)', async () => {
    const model = lenet5({ seed: 1 });
    // (28 + 2 + 2 - 5) / 1 + 1 = 28; pool 14; (14 - 5) + 1 = 10; pool 5 -> 5·5·16 = 400 fc1 inputs.
    const text = model.summary();
    expect(text).toMatch(/conv1 \(Conv2D\)\s+\[batch,28,28,6\]\s+156/);
    expect(text).toMatch(/pool2 \(MaxPool2D\)\s+\[batch,5,5,16\]\s+0/);
    expect(text).toMatch(/fc3 \(Dense\)\s+\[batch,10\]\s+850/);
    // 5·5·1·6+6 = 156, 5·5·6·16+16 = 2,416, 400·120+120 = 48,120, 120·84+84 = 10,164, 84·10+10 = 850.
    expect(model.countParams().total).toBe(61_706);
    expect(text).toContain('Total params: 61,706');
    await forwardAndTrain(model);
  });

  it('LeNet-5 as the PyTorch fixture (no padding, tanh or relu, avg pool)', async () => {
    const model = lenet5({ padFirst: false, activation: 'tanh', pool: 'avg', seed: 2 });
    // (28 - 5) + 1 = 24 -> 12 -> 8 -> 4: fc1 has 16·4·4 = 256 inputs, 256·120+120 = 30,840;
    // 156 + 2,416 + 30,840 + 10,164 + 850 = 44,426.
    expect(model.summary()).toMatch(/conv1 \(Conv2D\)\s+\[batch,24,24,6\]\s+156/);
    expect(model.countParams().total).toBe(44_426);
    await forwardAndTrain(model);
  });

  it('AlexNet (torchvision layout) at CIFAR size, width 1/16', async () => {
    const model = alexnet({
      inputShape: [32, 32, 3],
      classes: 10,
      width: 1 / 16,
      hiddenUnits: 64,
      smallInput: true,
    });
    expect(model.outputs[0]!.shape).toEqual([10]);
    // filters 4/12/24/16/16; 32 -> pool 15 -> pool 7 -> pool 3: 3·3·16 = 144 fc1 inputs.
    // conv 5·5·3·4+4 = 304, 5·5·4·12+12 = 1,212, 3·3·12·24+24 = 2,616, 3·3·24·16+16 = 3,472,
    // 3·3·16·16+16 = 2,320; fc 144·64+64 = 9,280, 64·64+64 = 4,160, 64·10+10 = 650. Total 24,014.
    expect(shapeOf(model, 'pool5')).toEqual([3, 3, 16]);
    expect(model.countParams().total).toBe(24_014);
    await forwardAndTrain(model);
  });

  it('AlexNet (original: LRN, grouped convs) at CIFAR size, width 1/16', async () => {
    const model = alexnet({
      variant: 'original',
      inputShape: [32, 32, 3],
      classes: 10,
      width: 1 / 16,
      hiddenUnits: 64,
      smallInput: true,
    });
    // filters 6/16/24/24/16 (even, for the two groups); conv 5·5·3·6+6 = 456, 5·5·3·16+16 = 1,216 (groups 2),
    // 3·3·16·24+24 = 3,480, 3·3·12·24+24 = 2,616 (groups 2), 3·3·12·16+16 = 1,744 (groups 2);
    // fc 9,280 + 4,160 + 650. Total 23,602.
    expect(model.countParams().total).toBe(23_602);
    await forwardAndTrain(model);
  });

  it('ZFNet at CIFAR size, width 1/16', async () => {
    const model = zfnet({
      inputShape: [32, 32, 3],
      classes: 10,
      width: 1 / 16,
      hiddenUnits: 64,
      smallInput: true,
    });
    // filters 6/16/24/24/16; 32 -> pool 16 -> pool 8 -> pool 4 (ceil mode): 4·4·16 = 256 fc6 inputs.
    // conv 3·3·3·6+6 = 168, 5·5·6·16+16 = 2,416, 3·3·16·24+24 = 3,480, 3·3·24·24+24 = 5,208,
    // 3·3·24·16+16 = 3,472; fc 256·64+64 = 16,448, 4,160, 650. Total 36,002.
    expect(shapeOf(model, 'pool5')).toEqual([4, 4, 16]);
    expect(model.countParams().total).toBe(36_002);
    await forwardAndTrain(model);
  });

  it('VGG-11 with batch norm at CIFAR size, width 1/16', async () => {
    const model = vgg({
      depth: 11,
      inputShape: [32, 32, 3],
      classes: 10,
      width: 1 / 16,
      batchNorm: true,
      hiddenUnits: 32,
    });
    // channels 4, 8, 16,16, 32,32, 32,32; 32 -> 16 -> 8 -> 4 -> 2 -> 1.
    // conv 112 + 296 + 1,168 + 2,320 + 4,640 + 3·9,248 = 36,280; BN 172 channels: 344 trainable (gamma,
    // beta) + 344 running statistics; fc 32·32+32 = 1,056, 1,056, 32·10+10 = 330.
    // Trainable 36,280 + 344 + 2,442 = 39,066; total 39,410.
    expect(shapeOf(model, 'block5.pool')).toEqual([1, 1, 32]);
    expect(model.countParams()).toEqual({ total: 39_410, trainable: 39_066 });
    await forwardAndTrain(model);
  });

  it('GoogLeNet (torchvision layout) at CIFAR size, width 1/16', async () => {
    const model = googlenet({ inputShape: [32, 32, 3], classes: 10, width: 1 / 16 });
    // Depths round(c/16): stem 4, 4, 12; blocks (1x1, 3x3red, 3x3, 5x5red, "5x5", proj) 3a 4,6,8,1,2,2 ...
    // 5b 24,12,24,3,8,8. Conv weights d·(1x1 + reductions + proj) + 9·(r3·c3 + r5·c5) per block:
    // 606 + 1,324 + 1,419 + 1,690 + 1,928 + 2,234 + 3,132 + 3,816 + 5,252 = 21,401, stem 588 + 16 + 432.
    // BN 456 channels (912 trainable + 912 running); fc 64·10+10 = 650.
    // Trainable 22,437 + 912 + 650 = 23,999; total 24,911.
    expect(shapeOf(model, 'inception3a.concat')).toEqual([4, 4, 16]);
    expect(shapeOf(model, 'inception5b.concat')).toEqual([1, 1, 64]);
    expect(model.countParams()).toEqual({ total: 24_911, trainable: 23_999 });
    await forwardAndTrain(model);
  });

  it('GoogLeNet (original: 5x5, LRN, no BN) with the CIFAR stem, width 1/16', async () => {
    // The paper's 3x3/2 pool4 needs a 3x3 map, so at 32x32 the original needs the stem without pools.
    expect(() => googlenet({ variant: 'original', inputShape: [32, 32, 3] })).toThrow("layer 'pool4'");
    const model = googlenet({
      variant: 'original',
      inputShape: [32, 32, 3],
      classes: 10,
      width: 1 / 16,
      smallInput: true,
    });
    // The convs above with 5x5 in branch3 (25 instead of 9 per r5·c5: +16·(2+12+3+8+8+8+16+16+24) = 1,552),
    // a 3x3 conv1 (3·3·3·4 = 108 instead of 588) and biases instead of BN (456 biases):
    // 22,437 + 1,552 - 480 + 456 + 650 = 24,615.
    expect(shapeOf(model, 'inception3a.concat')).toEqual([32, 32, 16]);
    expect(shapeOf(model, 'inception5b.concat')).toEqual([8, 8, 64]);
    expect(model.countParams().total).toBe(24_615);
    await forwardAndTrain(model);
  });

  it('ResNet-18 with the CIFAR stem, width 1/16', async () => {
    const model = resnet({
      depth: 18,
      inputShape: [32, 32, 3],
      classes: 10,
      width: 1 / 16,
      smallInput: true,
    });
    // channels 4, 8, 16, 32. conv1 3·3·3·4 = 108; layer1 4·144 = 576; layer2 288 + 576 + 32 (1x1 projection)
    // + 2·576 = 2,048; layer3 1,152 + 2,304 + 128 + 2·2,304 = 8,192; layer4 4,608 + 9,216 + 512 + 2·9,216 =
    // 32,768. Convs 43,692; BN 300 channels (600 + 600); fc 32·10+10 = 330.
    // Trainable 43,692 + 600 + 330 = 44,622; total 45,222.
    expect(shapeOf(model, 'layer1.1.relu')).toEqual([32, 32, 4]);
    expect(shapeOf(model, 'layer4.1.relu')).toEqual([4, 4, 32]);
    expect(model.countParams()).toEqual({ total: 45_222, trainable: 44_622 });
    await forwardAndTrain(model);
  });

  it('ResNet-50 (bottlenecks) at CIFAR size, width 1/16', async () => {
    const model = resnet({ depth: 50, inputShape: [32, 32, 3], classes: 10, width: 1 / 16 });
    // planes 4, 8, 16, 32 (outputs x4). conv1 7·7·3·4 = 588; per bottleneck d·p + 9p² + 4p² (+ 4dp projection):
    // layer1 288 + 2·272 = 832; layer2 1,472 + 3·1,088 = 4,736; layer3 5,888 + 5·4,352 = 27,648;
    // layer4 23,552 + 2·17,408 = 58,368. Convs 92,172; BN 1,660 channels (3,320 + 3,320); fc 128·10+10 = 1,290.
    // Trainable 92,172 + 3,320 + 1,290 = 96,782; total 100,102.
    expect(shapeOf(model, 'layer4.2.relu')).toEqual([1, 1, 128]);
    expect(model.countParams()).toEqual({ total: 100_102, trainable: 96_782 });
    await forwardAndTrain(model);
  });

  it('DenseNet-BC with two blocks of two layers, growth 4, at CIFAR size', async () => {
    const model = densenet({
      blockConfig: [2, 2],
      growthRate: 4,
      inputShape: [32, 32, 3],
      classes: 10,
      smallInput: true,
    });
    // conv0 3·3·3·8 = 216; dense layer on d channels: d·16 (1x1 to 4k) + 9·16·4 = 576 -> 8: 704, 12: 768;
    // channels 8 -> 12 -> 16, transition 16·8 = 128 (compression 0.5), then 8 -> 12 -> 16 again.
    // Convs 216 + 704 + 768 + 128 + 704 + 768 = 3,288; BN 24 + 28 + 16 + 24 + 28 + 16 = 136 channels
    // (272 + 272); classifier 16·10+10 = 170. Trainable 3,288 + 272 + 170 = 3,730; total 4,002.
    expect(shapeOf(model, 'denseblock1.denselayer2.concat')).toEqual([32, 32, 16]);
    expect(shapeOf(model, 'transition1.pool')).toEqual([16, 16, 8]);
    expect(model.countParams()).toEqual({ total: 4_002, trainable: 3_730 });
    await forwardAndTrain(model);
  });

  it('DenseNet (no bottleneck, no compression, dropout) from a CIFAR depth', async () => {
    const model = densenet({
      depth: 10,
      bottleneck: false,
      compression: 1,
      growthRate: 3,
      initFeatures: 4,
      dropout: 0.2,
      inputShape: [16, 16, 3],
    });
    // depth 10 without bottleneck: three blocks of (10 - 4) / 3 = 2 layers, CIFAR stem, 10 classes.
    // conv0 3·3·3·4 = 108; 3x3 convs to k = 3 on 4, 7 | 10, 13 | 16, 19 channels: 9·3·(4+7+10+13+16+19) =
    // 1,863; transitions 10·10 + 16·16 = 356. Convs 2,327; BN 4+7+10 + 10+13+16 + 16+19+22 = 117 channels
    // (234 + 234); classifier 22·10+10 = 230. Trainable 2,327 + 234 + 230 = 2,791; total 3,025.
    expect(model.name).toBe('densenet10');
    expect(shapeOf(model, 'transition2.pool')).toEqual([4, 4, 16]);
    expect(model.countParams()).toEqual({ total: 3_025, trainable: 2_791 });
    await forwardAndTrain(model);
  });
});
