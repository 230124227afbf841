#!/usr/bin/python3
"""PyTorch side of tests/test_pytorch_parity.cpp.

Usage: parity.py CASE DIR. DIR holds what the C++ side wrote: init.npz (the
model's arrays before training, by xtnn's parameter names), batches.npz (x0, y0,
x1, y1, ...), after.npz (the arrays after the steps) and losses.txt. This script
rebuilds CASE in PyTorch (double), loads init.npz, runs the same SGD steps with
autograd and compares every array and loss. Exit status 0 when all agree within
the tolerance, 1 with a report of every mismatch otherwise.

xtnn conventions mapped here: Dense kernels are stored in x out (torch: out x in);
Conv2D kernels out x (in·kh·kw), torch's (out, in, kh, kw) flattened;
L2(λ) adds λ·Σw² to the loss (Keras); BatchNorm follows Keras (momentum 0.99 kept,
eps 1e-3, the running variance tracks the biased batch variance), so it is written
out with autograd below rather than taken from nn.BatchNorm1d, which tracks the
unbiased one.
"""
import sys
import warnings

import numpy as np
import torch

# Torch notes that it copies the input for an even kernel with padding="same": exactly the case checked.
warnings.filterwarnings("ignore", message="Using padding='same' with even kernel lengths")

TOLERANCE = 1e-10
LR, MOMENTUM = 0.1, 0.9


class KerasBatchNorm(torch.nn.Module):
    def __init__(self, features, momentum=0.99, eps=1e-3):
        super().__init__()
        self.gamma = torch.nn.Parameter(torch.ones(features, dtype=torch.float64))
        self.beta = torch.nn.Parameter(torch.zeros(features, dtype=torch.float64))
        self.register_buffer("running_mean", torch.zeros(features, dtype=torch.float64))
        self.register_buffer("running_var", torch.ones(features, dtype=torch.float64))
        self.keep, self.eps = momentum, eps

    def forward(self, x):
        # Rows (N x F), or images (N x C x H x W: one mean per channel over batch and positions).
        dims, shape = ((0,), (-1,)) if x.dim() == 2 else ((0, 2, 3), (-1, 1, 1))
        mean = x.mean(dims)
        var = x.var(dims, unbiased=False)
        with torch.no_grad():
            self.running_mean.mul_(self.keep).add_((1 - self.keep) * mean)
            self.running_var.mul_(self.keep).add_((1 - self.keep) * var)
        return ((x - mean.view(shape)) / torch.sqrt(var.view(shape) + self.eps) * self.gamma.view(shape)
                + self.beta.view(shape))


class Layer:
    """One xtnn module: its name prefix, the torch module and how its arrays map."""

    def __init__(self, prefix, module, l2=0.0):
        self.prefix, self.module, self.l2 = prefix, module, l2

    def arrays(self):
        """(xtnn name, torch tensor, to_torch, from_torch) for every array."""
        m, p = self.module, self.prefix
        if isinstance(m, torch.nn.Linear):
            return [(p + "kernel", m.weight, np.transpose, np.transpose),
                    (p + "bias", m.bias, np.ravel, lambda a: a.reshape(1, -1))]
        if isinstance(m, torch.nn.Conv2d):
            shape = tuple(m.weight.shape)
            return [(p + "kernel", m.weight, lambda a: a.reshape(shape), lambda a: a.reshape(shape[0], -1)),
                    (p + "bias", m.bias, np.ravel, lambda a: a.reshape(1, -1))]
        if isinstance(m, KerasBatchNorm):
            flat = (np.ravel, lambda a: a.reshape(1, -1))
            return [(p + name, getattr(m, name), *flat)
                    for name in ("gamma", "beta", "running_mean", "running_var")]
        return []


def dense(prefix, n_in, n_out, l2=0.0):
    return Layer(prefix, torch.nn.Linear(n_in, n_out).double(), l2)


def act(module):
    return Layer("", module)


def bn(prefix, features):
    return Layer(prefix, KerasBatchNorm(features))


class Concat(torch.nn.Module):
    def __init__(self, *branches):
        super().__init__()
        self.branches = torch.nn.ModuleList(torch.nn.Sequential(*(l.module for l in b)) for b in branches)

    def forward(self, x):
        return torch.cat([b(x) for b in self.branches], dim=1)


def build(case):
    """The layers (flat, for the arrays) and the torch model ending in logits / log-probabilities."""
    if case == "fcnn":
        layers = [dense("0.", 6, 16, 1e-3), act(torch.nn.ReLU()), bn("2.", 16),
                  dense("3.", 16, 8, 1e-3), act(torch.nn.ReLU()), bn("5.", 8), dense("6.", 8, 1)]
        return layers, torch.nn.Sequential(*(l.module for l in layers)), "bce"
    if case == "wdnn":
        wide = [dense("0.0.0.", 6, 12), act(torch.nn.ReLU())]
        deep = [dense("0.1.0.", 6, 10, 1e-3), act(torch.nn.ReLU()), bn("0.1.2.", 10),
                dense("0.1.3.", 10, 8), act(torch.nn.LeakyReLU(0.1)), bn("0.1.5.", 8)]
        head = dense("1.", 20, 1)
        return wide + deep + [head], torch.nn.Sequential(Concat(wide, deep), head.module), "bce"
    if case == "cnn":
        # Images 2x8x7, channels-first rows as in xtnn; an even kernel with 'same' padding.
        layers = [Layer("0.", torch.nn.Conv2d(2, 4, (4, 3), padding="same").double(), 1e-3),
                  act(torch.nn.ReLU()), act(torch.nn.MaxPool2d(2)),
                  Layer("3.", torch.nn.Conv2d(4, 6, (3, 2), stride=2, padding=1).double()),
                  act(torch.nn.Tanh()), act(torch.nn.AvgPool2d((2, 1))), dense("6.", 12, 3)]
        body = [l.module for l in layers]
        unflatten = torch.nn.Unflatten(1, (2, 8, 7))
        return layers, torch.nn.Sequential(unflatten, *body[:-1], torch.nn.Flatten(), body[-1]), "logits_ce"
    if case == "cnn_bn_gap":
        # Images 2x6x5; BatchNorm2D per channel, then global average pooling.
        layers = [Layer("0.", torch.nn.Conv2d(2, 4, 3, padding="same").double()), bn("1.", 4),
                  act(torch.nn.ReLU()), act(torch.nn.AdaptiveAvgPool2d(1)), dense("4.", 4, 3)]
        body = [l.module for l in layers]
        unflatten = torch.nn.Unflatten(1, (2, 6, 5))
        return layers, torch.nn.Sequential(unflatten, *body[:-1], torch.nn.Flatten(), body[-1]), "logits_ce"
    if case in ("softmax_ce", "logits_ce", "log_softmax_nll"):
        hidden = torch.nn.GELU() if case == "log_softmax_nll" else torch.nn.Tanh()
        layers = [dense("0.", 5, 16), act(hidden), dense("2.", 16, 4)]
        return layers, torch.nn.Sequential(*(l.module for l in layers)), case
    raise SystemExit(f"parity.py: unknown case '{case}'")


def data_loss(kind, out, y):
    if kind == "bce":
        return torch.nn.functional.binary_cross_entropy_with_logits(out, y)
    labels = y.ravel().long()
    if kind in ("softmax_ce", "logits_ce"):
        return torch.nn.functional.cross_entropy(out, labels)
    return torch.nn.functional.nll_loss(torch.log_softmax(out, dim=1), labels)


def main(case, folder):
    layers, model, kind = build(case)
    init, after = np.load(f"{folder}/init.npz"), np.load(f"{folder}/after.npz")
    batches = np.load(f"{folder}/batches.npz")
    arrays = [a for layer in layers for a in layer.arrays()]
    expected_names = {name for name, *_ in arrays}
    if set(init.files) != expected_names:
        raise SystemExit(f"parity.py: names differ: xtnn {sorted(init.files)}, here {sorted(expected_names)}")
    with torch.no_grad():
        for name, tensor, to_torch, _ in arrays:
            tensor.copy_(torch.from_numpy(np.ascontiguousarray(to_torch(init[name]))))

    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    losses = []
    for step in range(len(batches.files) // 2):
        x, y = (torch.from_numpy(batches[f"{k}{step}"]) for k in "xy")
        optimizer.zero_grad()
        loss = data_loss(kind, model(x), y)
        for layer in layers:
            if layer.l2:
                loss = loss + layer.l2 * (layer.module.weight ** 2).sum()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    failures = []
    xtnn_losses = [float(v) for v in open(f"{folder}/losses.txt").read().split()]
    for step, (mine, theirs) in enumerate(zip(xtnn_losses, losses)):
        if abs(mine - theirs) > TOLERANCE * max(1.0, abs(theirs)):
            failures.append(f"loss of step {step}: xtnn {mine!r}, PyTorch {theirs!r}")
    for name, tensor, _, from_torch in arrays:
        reference = from_torch(tensor.detach().numpy())
        worst = float(np.max(np.abs(after[name] - reference)))
        if not worst <= TOLERANCE * max(1.0, float(np.max(np.abs(reference)))):
            failures.append(f"{name}: largest difference {worst:.3g}")
    if failures:
        print(f"parity.py {case}: xtnn and PyTorch differ after {len(losses)} steps:\n  " + "\n  ".join(failures))
        return 1
    print(f"parity.py {case}: {len(arrays)} arrays and {len(losses)} losses agree within {TOLERANCE}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: parity.py CASE DIR")
    sys.exit(main(sys.argv[1], sys.argv[2]))
