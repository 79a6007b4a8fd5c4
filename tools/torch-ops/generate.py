#!/usr/bin/python3
"""PyTorch reference cases for the indexing, image and padding ops of @cnn/core.

Writes one JSON file per case, in the conformance fixture format (packages/conformance/fixtures/torch/README.md):
ONNX op names and attributes, NCHW images, float32 inputs, and forward outputs and gradients computed by
PyTorch in float64 from those float32 inputs, then rounded once to float32. Gradients are d(sum(Y * dY))/dX
with a random N(0,1) dY, the last input.

Usage (Debian's python3-torch; the outputs are committed, so tests never need PyTorch):
    /usr/bin/python3 tools/torch-ops/generate.py packages/conformance/fixtures/torch-ops
"""

import json
import os
import sys
import zlib
from fractions import Fraction

import numpy as np
import torch
import torch.nn.functional as F

def debian_version():
    """The Debian package version (torch.__version__ of Debian's 1.13.1 build reads 1.13.0a0)."""
    try:
        import subprocess
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-torch"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


TORCH = f"{torch.__version__} (Debian python3-torch {debian_version()})"


def f32(values):
    """Float32 values as the shortest decimals that read back as the same float32."""
    return [float(repr(np.float32(v))) for v in np.asarray(values, dtype=np.float32).ravel()]


def tensor_json(name, array, dtype="float32", grad_of=None):
    array = np.asarray(array)
    out = {"name": name, "shape": list(array.shape), "dtype": dtype}
    out["data"] = [int(v) for v in array.ravel()] if dtype == "int64" else f32(array)
    if grad_of:
        out["grad_of"] = grad_of
    return out


class Case:
    def __init__(self, case_id):
        self.id = case_id
        # Each case has its own generator, seeded from its id: a re-run writes the same files.
        self.rng = np.random.default_rng(zlib.crc32(case_id.encode()))

    def normal(self, *shape):
        return self.rng.standard_normal(shape).astype(np.float32)

    def distinct(self, *shape):
        """A permutation of values 0.05 apart (no ties, no near-ties)."""
        n = int(np.prod(shape))
        return ((self.rng.permutation(n) - n // 2) * 0.05 + 0.025).astype(np.float32).reshape(shape)


def write(outdir, case, op, attrs, inputs, outputs, grad):
    doc = {
        "source": f"pytorch {TORCH} {case.id}",
        "op": op,
        "attrs": attrs,
        "layout": "NCHW",
        "grad": grad,
        "inputs": inputs,
        "outputs": outputs,
    }
    with open(os.path.join(outdir, f"{case.id}.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


def forward_backward(fn, x, case):
    """Y = fn(X) and d(sum(Y * dY))/dX in float64, from the float32 X."""
    x64 = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = fn(x64)
    dy = case.normal(*y.shape)
    (y * torch.tensor(dy, dtype=torch.float64)).sum().backward()
    return y.detach().numpy(), x64.grad.numpy(), dy


def arg_cases(outdir):
    specs = [
        ("ArgMax", "argmax_001_4x7_axis1_keep0", (4, 7), 1, 0, False),
        ("ArgMax", "argmax_002_3x5x6_axis0_keep1_ties", (3, 5, 6), 0, 1, True),
        ("ArgMax", "argmax_003_2x3x4x4_axis-1_keep0", (2, 3, 4, 4), -1, 0, False),
        ("ArgMin", "argmin_001_5x6_axis1_keep1_ties", (5, 6), 1, 1, True),
        ("ArgMin", "argmin_002_2x3x4x4_axis2_keep0", (2, 3, 4, 4), 2, 0, False),
    ]
    for op, cid, shape, axis, keep, ties in specs:
        case = Case(cid)
        # Ties: small integers, so several entries share the extreme (PyTorch returns the first).
        x = np.round(case.normal(*shape) * 1.5).astype(np.float32) if ties else case.normal(*shape)
        t = torch.tensor(x, dtype=torch.float64)
        fn = torch.argmax if op == "ArgMax" else torch.argmin
        y = fn(t, dim=axis, keepdim=bool(keep)).numpy()
        write(outdir, case, op, {"axis": axis, "keepdims": keep, "select_last_index": 0},
              [tensor_json("X", x)], [tensor_json("Y", y, "int64")], False)


def one_hot_cases(outdir):
    for cid, shape, depth, values in [
        ("onehot_001_6_depth5", (6,), 5, (0.0, 1.0)),
        ("onehot_002_2x3_depth4_off-1_on2", (2, 3), 4, (-1.0, 2.0)),
    ]:
        case = Case(cid)
        idx = case.rng.integers(0, depth, size=shape)
        hot = F.one_hot(torch.tensor(idx), depth).to(torch.float64)
        y = values[0] + (values[1] - values[0]) * hot
        write(outdir, case, "OneHot", {"axis": -1},
              [tensor_json("indices", idx, "int64"), tensor_json("depth", np.array(depth), "int64"),
               tensor_json("values", np.array(values, dtype=np.float32))],
              [tensor_json("Y", y.numpy())], False)


def gather_cases(outdir):
    for cid, shape, idx_shape, axis in [
        ("gather_001_5x3_idx4_axis0", (5, 3), (4,), 0),
        ("gather_002_2x6x3_idx2x2_axis1", (2, 6, 3), (2, 2), 1),
        ("gather_003_4x5_idx7_axis1", (4, 5), (7,), 1),
    ]:
        case = Case(cid)
        x = case.normal(*shape)
        # Repeated indices on purpose: their gradients add up.
        idx = case.rng.integers(0, shape[axis], size=idx_shape)
        idx.ravel()[1] = idx.ravel()[0]
        flat = torch.tensor(idx.ravel())

        def fn(t):
            picked = torch.index_select(t, axis, flat)
            return picked.reshape(shape[:axis] + idx_shape + shape[axis + 1:])

        y, dx, dy = forward_backward(fn, x, case)
        write(outdir, case, "Gather", {"axis": axis},
              [tensor_json("data", x), tensor_json("indices", idx, "int64"), tensor_json("dY", dy)],
              [tensor_json("Y", y), tensor_json("ddata", dx, grad_of="data")], True)


def topk_cases(outdir):
    for cid, shape, k in [("topk_001_3x8_k3", (3, 8), 3), ("topk_002_2x2x10_k4", (2, 2, 10), 4)]:
        case = Case(cid)
        x = case.distinct(*shape)
        x64 = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        values, indices = torch.topk(x64, k, dim=-1, largest=True, sorted=True)
        dy = case.normal(*values.shape)
        (values * torch.tensor(dy, dtype=torch.float64)).sum().backward()
        write(outdir, case, "TopK", {"axis": -1, "largest": 1, "sorted": 1},
              [tensor_json("X", x), tensor_json("K", np.array([k]), "int64"), tensor_json("dY", dy)],
              [tensor_json("Values", values.detach().numpy()), tensor_json("Indices", indices.numpy(), "int64"),
               tensor_json("dX", x64.grad.numpy(), grad_of="X")], True)


def exact_nearest(in_size, out_size, half_pixel):
    """Source rows of a nearest resize in exact integer arithmetic: floor(dst·in/out), or floor((2dst+1)·in/(2out))."""
    return [((2 * d + 1) * in_size) // (2 * out_size) if half_pixel else (d * in_size) // out_size
            for d in range(out_size)]


def resize_cases(outdir):
    specs = [
        ("resize_linear_001_n1c2h4w5_to7x9_align_corners", (1, 2, 4, 5), (7, 9), "bilinear", True),
        ("resize_linear_002_n2c3h6w6_to9x4_half_pixel", (2, 3, 6, 6), (9, 4), "bilinear", False),
        ("resize_linear_003_n1c2h5w7_to3x3_align_corners", (1, 2, 5, 7), (3, 3), "bilinear", True),
        ("resize_linear_004_n1c1h3w4_to8x10_half_pixel", (1, 1, 3, 4), (8, 10), "bilinear", False),
        ("resize_nearest_001_n1c2h4w5_to8x7_asymmetric_floor", (1, 2, 4, 5), (8, 7), "nearest", None),
        ("resize_nearest_002_n1c3h5w4_to7x10_half_pixel", (1, 3, 5, 4), (7, 10), "nearest-exact", None),
        ("resize_nearest_003_n2c1h6w9_to4x5_asymmetric_floor", (2, 1, 6, 9), (4, 5), "nearest", None),
    ]
    for cid, shape, size, mode, align in specs:
        case = Case(cid)
        x = case.normal(*shape)
        kwargs = {"align_corners": align} if mode == "bilinear" else {}
        y, dx, dy = forward_backward(lambda t: F.interpolate(t, size=size, mode=mode, **kwargs), x, case)
        if mode != "bilinear":
            # PyTorch computes nearest indices in floating point: make sure no case sits on a rounding edge.
            half = mode == "nearest-exact"
            rows = exact_nearest(shape[2], size[0], half)
            cols = exact_nearest(shape[3], size[1], half)
            assert np.array_equal(y, x.astype(np.float64)[:, :, rows][:, :, :, cols]), cid
            attrs = {"mode": "nearest",
                     "coordinate_transformation_mode": "half_pixel" if half else "asymmetric",
                     "nearest_mode": "round_prefer_ceil" if half else "floor"}
        else:
            attrs = {"mode": "linear",
                     "coordinate_transformation_mode": "align_corners" if align else "half_pixel"}
        write(outdir, case, "Resize", attrs,
              [tensor_json("X", x), tensor_json("sizes", np.array([shape[0], shape[1], *size]), "int64"),
               tensor_json("dY", dy)],
              [tensor_json("Y", y), tensor_json("dX", dx, grad_of="X")], True)


def grid_resize_cases(outdir):
    """The TF.js modes F.interpolate lacks, sampled with F.grid_sample at the exact source coordinates.

    grid_sample(align_corners=True) reads pixel coordinate (g + 1)/2 · (size - 1), so g = 2·src/(size - 1) - 1
    samples at src; padding_mode='border' clamps past the last pixel, as TF does.
    - linear, asymmetric (TF.js's default): src = dst · in/out;
    - nearest, align_corners: src = dst · (in-1)/(out-1), rounded (sizes chosen so no source falls on .5,
      where grid_sample's round-half-even and TF.js's Math.round would differ; checked below).
    """
    specs = [
        ("resize_linear_005_n1c2h4w5_to7x8_asymmetric", (1, 2, 4, 5), (7, 8), "bilinear", "asymmetric"),
        ("resize_linear_006_n2c1h6w5_to4x3_asymmetric", (2, 1, 6, 5), (4, 3), "bilinear", "asymmetric"),
        ("resize_nearest_004_n1c2h4w6_to6x4_align_corners", (1, 2, 4, 6), (6, 4), "nearest", "align_corners"),
    ]
    for cid, shape, size, mode, transform in specs:
        case = Case(cid)
        x = case.normal(*shape)

        def source(in_size, out_size):
            if transform == "asymmetric":
                return [Fraction(d * in_size, out_size) for d in range(out_size)]
            return [Fraction(d * (in_size - 1), out_size - 1) for d in range(out_size)]

        rows, cols = source(shape[2], size[0]), source(shape[3], size[1])
        if mode == "nearest":
            assert all(v.denominator != 2 for v in rows + cols), f"{cid}: a source on .5"
        gy = torch.tensor([float(2 * r / (shape[2] - 1) - 1) for r in rows], dtype=torch.float64)
        gx = torch.tensor([float(2 * c / (shape[3] - 1) - 1) for c in cols], dtype=torch.float64)
        grid = torch.stack(torch.meshgrid(gy, gx, indexing="ij")[::-1], dim=-1).expand(shape[0], *size, 2)

        def fn(t):
            return F.grid_sample(t, grid, mode=mode, padding_mode="border", align_corners=True)

        y, dx, dy = forward_backward(fn, x, case)
        if mode == "nearest":
            r_idx = [int(r + Fraction(1, 2)) for r in rows]
            c_idx = [int(c + Fraction(1, 2)) for c in cols]
            assert np.array_equal(y, x.astype(np.float64)[:, :, r_idx][:, :, :, c_idx]), cid
            attrs = {"mode": "nearest", "coordinate_transformation_mode": "align_corners",
                     "nearest_mode": "round_prefer_ceil"}
        else:
            attrs = {"mode": "linear", "coordinate_transformation_mode": "asymmetric"}
        write(outdir, case, "Resize", attrs,
              [tensor_json("X", x), tensor_json("sizes", np.array([shape[0], shape[1], *size]), "int64"),
               tensor_json("dY", dy)],
              [tensor_json("Y", y), tensor_json("dX", dx, grad_of="X")], True)


def pad_cases(outdir):
    specs = [
        # (id, shape, torch pad (last axis first), onnx mode, torch mode)
        ("pad_reflect_001_1x2x5x6_h2-1_w1-3", (1, 2, 5, 6), (1, 3, 2, 1), "reflect", "reflect"),
        ("pad_reflect_002_2x3x7_w3-2", (2, 3, 7), (3, 2), "reflect", "reflect"),
        ("pad_edge_001_1x2x4x5_h3-1_w0-4", (1, 2, 4, 5), (0, 4, 3, 1), "edge", "replicate"),
        ("pad_edge_002_2x3x4_w2-5", (2, 3, 4), (2, 5), "edge", "replicate"),
    ]
    for cid, shape, tpad, onnx_mode, torch_mode in specs:
        case = Case(cid)
        x = case.normal(*shape)
        y, dx, dy = forward_backward(lambda t: F.pad(t, tpad, mode=torch_mode), x, case)
        rank = len(shape)
        begin = [0] * rank
        end = [0] * rank
        for i in range(len(tpad) // 2):
            begin[rank - 1 - i] = tpad[2 * i]
            end[rank - 1 - i] = tpad[2 * i + 1]
        write(outdir, case, "Pad", {"mode": onnx_mode},
              [tensor_json("data", x), tensor_json("pads", np.array(begin + end), "int64"), tensor_json("dY", dy)],
              [tensor_json("Y", y), tensor_json("ddata", dx, grad_of="data")], True)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "packages/conformance/fixtures/torch-ops"
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(1)
    for gen in (arg_cases, one_hot_cases, gather_cases, topk_cases, resize_cases, grid_resize_cases, pad_cases):
        gen(outdir)
    with open(os.path.join(outdir, "VERSION"), "w") as f:
        f.write(f"torch {TORCH}\nnumpy {np.__version__}\n")
    print(f"wrote {len([n for n in os.listdir(outdir) if n.endswith('.json')])} cases to {outdir} (torch {TORCH})")


if __name__ == "__main__":
    main()
