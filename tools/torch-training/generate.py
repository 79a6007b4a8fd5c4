"""PyTorch references for @cnn's training controls: optimizer trajectories (RMSprop, Adagrad, gradient
clipping by norm and by value) and losses (cross-entropy with label smoothing, Huber) with gradients.

Run with Debian's python3-torch:  /usr/bin/python3 tools/torch-training/generate.py
It writes packages/conformance/test/fixtures/torch-training.json (committed, so tests never need PyTorch).
Inputs are drawn in float32 (what the tests upload); every computation runs in float64.
"""
import json
import os

import torch

N, IN, OUT = 6, 5, 3


def f32(t):
    return t.float().double()


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def linear_case(name, seed, steps, make, clip=None, ours=None):
    """Full-batch steps on y = xW + b with the mean squared error over every element."""
    g = torch.Generator().manual_seed(seed)
    x = f32(torch.randn(N, IN, generator=g))
    t = f32(torch.randn(N, OUT, generator=g))
    w = f32(torch.randn(IN, OUT, generator=g) * 0.5)
    b = f32(torch.randn(OUT, generator=g) * 0.5)
    case = {"name": name, "steps": steps, "optimizer": ours, "x": flat(x), "t": flat(t), "w0": flat(w), "b0": flat(b)}
    w.requires_grad_()
    b.requires_grad_()
    opt = make([w, b])
    for _ in range(steps):
        opt.zero_grad()
        loss = ((x @ w + b - t) ** 2).mean()
        loss.backward()
        if clip and "value" in clip:
            torch.nn.utils.clip_grad_value_([w, b], clip["value"])
        if clip and "norm" in clip:
            torch.nn.utils.clip_grad_norm_([w, b], clip["norm"])
        opt.step()
    case["w"] = flat(w)
    case["b"] = flat(b)
    return case


optimizers = [
    linear_case("RMSprop defaults", 11, 6, lambda p: torch.optim.RMSprop(p), ours={"class": "RMSprop", "config": {}}),
    linear_case(
        "RMSprop momentum, centered, weight decay",
        12, 6,
        lambda p: torch.optim.RMSprop(p, lr=0.005, alpha=0.9, eps=1e-6, weight_decay=0.05, momentum=0.9, centered=True),
        ours={"class": "RMSprop", "config": {"learningRate": 0.005, "rho": 0.9, "epsilon": 1e-6, "weightDecay": 0.05, "momentum": 0.9, "centered": True}},
    ),
    linear_case(
        "RMSprop centered without momentum",
        13, 5,
        lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.95, centered=True),
        ours={"class": "RMSprop", "config": {"learningRate": 0.01, "rho": 0.95, "centered": True}},
    ),
    linear_case("Adagrad defaults", 14, 6, lambda p: torch.optim.Adagrad(p), ours={"class": "Adagrad", "config": {}}),
    linear_case(
        "Adagrad with lr decay, initial accumulator, weight decay",
        15, 6,
        lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.05, weight_decay=0.02, initial_accumulator_value=0.1, eps=1e-10),
        ours={"class": "Adagrad", "config": {"learningRate": 0.1, "lrDecay": 0.05, "weightDecay": 0.02, "initialAccumulatorValue": 0.1}},
    ),
    linear_case(
        "SGD momentum with clip_grad_norm_ 0.5",
        16, 5,
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
        clip={"norm": 0.5},
        ours={"class": "SGD", "config": {"learningRate": 0.1, "momentum": 0.9, "clipNorm": 0.5}},
    ),
    linear_case(
        "Adam with clip_grad_value_ 0.05",
        17, 5,
        lambda p: torch.optim.Adam(p, lr=0.01),
        clip={"value": 0.05},
        ours={"class": "Adam", "config": {"learningRate": 0.01, "clipValue": 0.05}},
    ),
    linear_case(
        "RMSprop with clip_grad_value_ 0.2 then clip_grad_norm_ 0.3",
        18, 5,
        lambda p: torch.optim.RMSprop(p, lr=0.01),
        clip={"value": 0.2, "norm": 0.3},
        ours={"class": "RMSprop", "config": {"learningRate": 0.01, "clipValue": 0.2, "clipNorm": 0.3}},
    ),
    linear_case(
        "Adagrad with clip_grad_norm_ 100 (inactive)",
        19, 4,
        lambda p: torch.optim.Adagrad(p, lr=0.05),
        clip={"norm": 100.0},
        ours={"class": "Adagrad", "config": {"learningRate": 0.05, "clipNorm": 100}},
    ),
]


def ce_case(name, seed, shape, smoothing, probabilities):
    g = torch.Generator().manual_seed(seed)
    n, c = shape
    logits = f32(torch.randn(n, c, generator=g) * 2).requires_grad_()
    if probabilities:
        raw = torch.rand(n, c, generator=g)
        labels = f32(raw / raw.sum(1, keepdim=True))
        labels = labels / labels.sum(1, keepdim=True)
    else:
        labels = torch.randint(0, c, (n,), generator=g)
    loss = torch.nn.CrossEntropyLoss(label_smoothing=smoothing)(logits, labels)
    loss.backward()
    return {
        "name": name, "loss": "crossEntropy", "labelSmoothing": smoothing, "shape": list(shape),
        "labelShape": list(labels.shape), "logits": flat(logits), "labels": flat(labels.double()),
        "value": float(loss), "grad": flat(logits.grad),
    }


def huber_case(name, seed, shape, delta, scale):
    g = torch.Generator().manual_seed(seed)
    pred = f32(torch.randn(*shape, generator=g) * scale).requires_grad_()
    target = f32(torch.randn(*shape, generator=g) * scale)
    loss = torch.nn.HuberLoss(delta=delta)(pred, target)
    loss.backward()
    return {
        "name": name, "loss": "huber", "delta": delta, "shape": list(shape), "prediction": flat(pred),
        "target": flat(target), "value": float(loss), "grad": flat(pred.grad),
    }


losses = [
    ce_case("cross-entropy, class indices, label smoothing 0.1", 21, (4, 5), 0.1, False),
    ce_case("cross-entropy, class indices, label smoothing 0.35", 22, (6, 3), 0.35, False),
    ce_case("cross-entropy, class indices, no smoothing", 23, (5, 4), 0.0, False),
    ce_case("cross-entropy, probability targets, label smoothing 0.2", 24, (4, 6), 0.2, True),
    huber_case("huber delta 1", 31, (3, 4), 1.0, 1.5),
    huber_case("huber delta 0.5", 32, (2, 3, 4), 0.5, 1.0),
    huber_case("huber delta 2.5", 33, (10,), 2.5, 3.0),
]

out = {
    "generator": "tools/torch-training/generate.py",
    "torch": torch.__version__,
    "optimizers": optimizers,
    "losses": losses,
}
path = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "conformance", "test", "fixtures", "torch-training.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"wrote {os.path.normpath(path)}: {len(optimizers)} optimizer cases, {len(losses)} loss cases (torch {torch.__version__})")
