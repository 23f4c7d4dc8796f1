#!/usr/bin/env python3
"""Writes torchvision's EfficientNet-B0 with random weights (seed 0) as a TorchScript backbone that
returns the 1280 pooled features, the input the heads take. Usage: make_backbone.py OUT.pt [SIZE]"""
import sys

import torch
import torchvision

torch.manual_seed(0)
model = torchvision.models.efficientnet_b0()
model.classifier = torch.nn.Identity()
model.eval()
size = int(sys.argv[2]) if len(sys.argv) > 2 else 224
with torch.no_grad():
    traced = torch.jit.trace(model, torch.zeros(1, 3, size, size))
traced.save(sys.argv[1])
