"""Trains a small PyTorch model and exports it to ONNX for import_and_finetune.

    /usr/bin/python3 export_pytorch_model.py pretrained.onnx

The model (Linear → ReLU → BatchNorm → Linear → GELU → Linear → Sigmoid) learns
the parity of the first two of three noisy bits; the C++ program then
fine-tunes it on the parity of all three. Needs python3-torch.
"""
import sys

import torch

torch.manual_seed(0)
bits = torch.randint(0, 2, (2048, 3)).float()
x = bits + 0.1 * torch.randn_like(bits)
y = ((bits[:, 0] + bits[:, 1]) % 2).unsqueeze(1)

model = torch.nn.Sequential(
    torch.nn.Linear(3, 32), torch.nn.ReLU(), torch.nn.BatchNorm1d(32),
    torch.nn.Linear(32, 16), torch.nn.GELU(), torch.nn.Linear(16, 1), torch.nn.Sigmoid())
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(300):
    batch = torch.randint(0, len(x), (64,))
    loss = torch.nn.functional.binary_cross_entropy(model(x[batch]), y[batch])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

model.eval()
accuracy = ((model(x) > 0.5).float() == y).float().mean().item()
print(f"PyTorch: trained on the parity of bits 0 and 1, accuracy {accuracy:.3f}")
torch.onnx.export(model, x[:2], sys.argv[1], input_names=["bits"], output_names=["probability"],
                  dynamic_axes={"bits": {0: "batch"}, "probability": {0: "batch"}}, opset_version=14)
