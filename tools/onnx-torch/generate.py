#!/usr/bin/env python3
"""Exports small PyTorch networks with torch.onnx.export (Debian's python3-torch 1.13) into
packages/onnx/test/fixtures/torch/: <name>.onnx plus <name>.json (a seeded input batch and PyTorch's
float32 output for it), so @cnn/onnx's tests check its importer against files it did not
write, without needing PyTorch. Run: /usr/bin/python3 tools/onnx-torch/generate.py
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'onnx', 'test', 'fixtures', 'torch')


class ConvNet(nn.Module):
    """Conv-BN-ReLU-MaxPool twice, x.view(x.size(0), -1) (a Shape/Gather/Concat/Reshape subgraph), Linear."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.bn1 = nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 8, 3)
        self.bn2 = nn.BatchNorm2d(8)
        self.fc1 = nn.Linear(8 * 6 * 6, 32)
        self.fc2 = nn.Linear(32, 10)
        self.drop = nn.Dropout(0.25)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = x.view(x.size(0), -1)
        x = self.drop(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


class ResNetTiny(nn.Module):
    """A stem, two basic blocks (one with a strided 1x1 projection), adaptive average pool, torch.flatten."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.a1 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.abn1 = nn.BatchNorm2d(8)
        self.a2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.abn2 = nn.BatchNorm2d(8)
        self.b1 = nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False)
        self.bbn1 = nn.BatchNorm2d(16)
        self.b2 = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.bbn2 = nn.BatchNorm2d(16)
        self.proj = nn.Conv2d(8, 16, 1, stride=2, bias=False)
        self.pbn = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        x = self.stem(x)
        x = F.relu(self.abn2(self.a2(F.relu(self.abn1(self.a1(x))))) + x)
        x = F.relu(self.bbn2(self.b2(F.relu(self.bbn1(self.b1(x))))) + self.pbn(self.proj(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


class MobileMix(nn.Module):
    """Depthwise + pointwise convs with ReLU6 (Clip), a dilated conv, LeakyReLU, padded average pooling,
    F.pad, a channel slice, concat, a transposed conv, sigmoid gating, a permute, a global max pool, softmax."""

    def __init__(self):
        super().__init__()
        self.pw0 = nn.Conv2d(3, 8, 1)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.pw = nn.Conv2d(8, 12, 1)
        self.dil = nn.Conv2d(12, 8, 3, padding=2, dilation=2)
        self.up = nn.ConvTranspose2d(8, 6, 3, stride=2, padding=1, output_padding=1)
        self.gate = nn.Conv2d(6, 6, 1)
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        x = F.relu6(self.pw0(x))
        x = F.relu6(self.dw(x))
        x = self.pw(x)
        x = torch.cat([x[:, :6], F.leaky_relu(x[:, 6:], 0.1)], dim=1)
        x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
        x = F.pad(x, (1, 0, 0, 1))
        x = torch.tanh(self.dil(x))
        x = self.up(x)
        x = x * torch.sigmoid(self.gate(x))
        x = x.permute(0, 2, 3, 1).permute(0, 3, 1, 2)
        x = F.adaptive_max_pool2d(x, 1).flatten(1)
        return F.softmax(self.fc(x), dim=-1)


def export(name, model, shape, opset, seed):
    torch.manual_seed(seed)
    # Non-trivial running statistics, so inference-mode batch norm is not the identity.
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    model.eval()
    x = torch.rand(*shape) * 2 - 1
    with torch.no_grad():
        y = model(x)
    path = os.path.join(OUT, f'{name}.onnx')
    torch.onnx.export(
        model, x, path, opset_version=opset, input_names=['input'], output_names=['output'],
        dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}}, do_constant_folding=True,
    )
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump({
            'source': f'torch {torch.__version__} torch.onnx.export opset {opset} (tools/onnx-torch/generate.py)',
            'input': {'shape': list(x.shape), 'data': [float(v) for v in x.flatten()]},
            'output': {'shape': list(y.shape), 'data': [float(v) for v in y.flatten()]},
        }, f)
    print(name, os.path.getsize(path), 'bytes')


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    nets = [('convnet', ConvNet, [2, 1, 28, 28]), ('resnet_tiny', ResNetTiny, [2, 3, 16, 16]), ('mobile_mix', MobileMix, [2, 3, 16, 16])]
    for i, (name, cls, shape) in enumerate(nets):
        for opset in (11, 13, 17):
            torch.manual_seed(100 + i)
            export(f'{name}_opset{opset}', cls(), shape, opset, 1000 + 10 * i + opset)
