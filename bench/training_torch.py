"""PyTorch side of bench/training.ts: the same four MNIST workloads, batch 128, Adam.

Run by bench/training.ts with Debian's /usr/bin/python3 (python3-torch), once on the machine's
default BLAS and once on the fastest one it has. Prints one JSON line: samples per second for each
workload, the BLAS library this process loaded and the OpenBLAS kernels it picked. Usage: training_torch.py THREADS STEPS WARMUP IMAGES.gz
"""

import ctypes
import gzip
import json
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

threads, steps, warmup = (int(v) for v in sys.argv[1:4])
images_path = sys.argv[4] if len(sys.argv) > 4 else ""
torch.set_num_threads(threads)
torch.manual_seed(0)

BATCH = 128
TEMPERATURE = 20.0
SOFT_WEIGHT, HARD_WEIGHT = 0.9, 0.1


def batches():
    """Real Fashion-MNIST images when the file is given, else noise of the same shape; labels i % 10."""
    if images_path:
        with gzip.open(images_path, "rb") as f:
            raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
        x = torch.from_numpy(raw[: 8 * BATCH * 784].astype(np.float32) / 255.0).reshape(8, BATCH, 784)
    else:
        x = torch.rand(8, BATCH, 784)
    y = (torch.arange(8 * BATCH) % 10).reshape(8, BATCH)
    return x, y


def mlp(hidden):
    return nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def cnn():
    return nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
    )


def supervised(model):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(x, y):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def distillation(teacher, student):
    teacher.eval()
    optimizer = torch.optim.Adam(student.parameters(), lr=1e-3)

    def step(x, y):
        with torch.no_grad():
            soft_targets = F.softmax(teacher(x) / TEMPERATURE, dim=1)
        optimizer.zero_grad()
        logits = student(x)
        soft = F.kl_div(F.log_softmax(logits / TEMPERATURE, dim=1), soft_targets, reduction="batchmean")
        loss = SOFT_WEIGHT * TEMPERATURE**2 * soft + HARD_WEIGHT * F.cross_entropy(logits, y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def measure(step):
    x, y = batches()
    for i in range(warmup):
        step(x[i % 8], y[i % 8])
    start = time.perf_counter()
    for i in range(steps):
        step(x[i % 8], y[i % 8])
    return steps * BATCH / (time.perf_counter() - start)


def blas():
    """The BLAS shared library mapped into this process, and OpenBLAS's kernel family if it is one."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.lower() and line.split()[-1].startswith("/")}
    library = sorted(paths)[0] if paths else "unknown"
    kernels = ""
    try:
        get = ctypes.CDLL(library).openblas_get_corename
        get.restype = ctypes.c_char_p
        kernels = get().decode()
    except (OSError, AttributeError):
        pass
    return library, kernels


workloads = {
    "teacher": lambda: supervised(mlp(1200)),
    "student": lambda: supervised(mlp(800)),
    "distillation": lambda: distillation(mlp(1200), mlp(800)),
    "cnn": lambda: supervised(cnn()),
}
results = {name: measure(make()) for name, make in workloads.items()}
library, kernels = blas()
print(json.dumps({"samplesPerSecond": results, "blas": library, "kernels": kernels, "torch": torch.__version__}))
