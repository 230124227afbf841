"""PyTorch side of the ONNX import tests (tests/onnx/test_import.cpp).

    torch_export.py <case> <folder>

Builds one model in PyTorch (the paper's WDNN and FCNN, as tests/pytorch/parity.py
writes their twins, a small CNN, a CNN ending in global average pooling),
gives it random weights and BatchNorm statistics (seeded), exports it with
torch.onnx.export (dynamic batch axis) to <folder>/model.onnx, and writes its
evaluation-mode predictions on <folder>/inputs.npy (rows of features; images
as channels-first rows) to <folder>/predictions.npy. Float32 throughout, as
PyTorch models usually are.
"""
import sys

import numpy as np
import torch


class Concat(torch.nn.Module):
    """Every branch sees the input; outputs concatenated along the features."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = torch.nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([b(x) for b in self.branches], dim=1)


def block(n_in, n_out, rate):
    """The paper's Dropout(BatchNorm(ReLU(Dense(x)))), Keras' BatchNorm settings."""
    return [torch.nn.Linear(n_in, n_out), torch.nn.ReLU(),
            torch.nn.BatchNorm1d(n_out, eps=1e-3, momentum=0.01), torch.nn.Dropout(rate)]


def wdnn(n):
    wide = torch.nn.Sequential(torch.nn.Linear(n, 256), torch.nn.ReLU())
    deep = torch.nn.Sequential(*block(n, 256, 0.2), *block(256, 128, 0.2), *block(128, 64, 0.2))
    return torch.nn.Sequential(Concat(wide, deep), torch.nn.Linear(320, 1), torch.nn.Sigmoid())


def fcnn(n):
    return torch.nn.Sequential(*block(n, 128, 0.3), *block(128, 64, 0.3), torch.nn.Linear(64, 1),
                               torch.nn.Sigmoid())


def cnn(channels):
    """Input channels x 10 x 10."""
    return torch.nn.Sequential(
        torch.nn.Conv2d(channels, 6, 3, padding=1), torch.nn.BatchNorm2d(6), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(6, 8, 2), torch.nn.GELU(), torch.nn.AvgPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32, 16), torch.nn.LeakyReLU(0.2), torch.nn.Dropout(0.25),
        torch.nn.Linear(16, 3), torch.nn.Softmax(dim=1))


def cnn_gap(channels):
    """Input channels x 10 x 10: strided convolution, global average pooling."""
    return torch.nn.Sequential(
        torch.nn.Conv2d(channels, 4, 3, stride=2), torch.nn.Tanh(), torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(), torch.nn.Linear(4, 2), torch.nn.LogSoftmax(dim=1))


def randomize_statistics(model, generator):
    """Running statistics away from 0/1, so evaluation-mode BatchNorm matters."""
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=generator) * 0.5)
                m.running_var.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=generator) * 0.2)


def build(case, inputs):
    features = inputs.shape[1]
    if case == "wdnn":
        return wdnn(features), (features,)
    if case == "fcnn":
        return fcnn(features), (features,)
    channels = features // 100
    shape = (channels, 10, 10)
    if case == "cnn":
        return cnn(channels), shape
    if case == "cnn_gap":
        return cnn_gap(channels), shape
    raise SystemExit(f"unknown case {case}")


def main(case, folder):
    torch.manual_seed(11)
    generator = torch.Generator().manual_seed(12)
    inputs = np.load(f"{folder}/inputs.npy").astype(np.float32)
    model, sample_shape = build(case, inputs)
    randomize_statistics(model, generator)
    model.eval()
    x = torch.from_numpy(inputs).reshape(-1, *sample_shape)
    torch.onnx.export(model, x[:2], f"{folder}/model.onnx", input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=14)
    with torch.no_grad():
        np.save(f"{folder}/predictions.npy", model(x).numpy())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
