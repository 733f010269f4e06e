"""Time ember on a CUDA GPU (CuPy) beside PyTorch on the same GPU.

    python benchmarks/gpu.py            # prints a Markdown table of medians and ratios

Each workload is one training step (forward, backward, optimizer step) on data already on the
GPU; the GPU is synchronised after every step so that both libraries are timed to completion.
ember and torch alternate round by round and the median time per step of each is kept.
"""

import time

import numpy as np


def _mlp(lib, device, batch, width):
    nn = lib.nn
    model = nn.Sequential(nn.Linear(784, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                          nn.Linear(width, 10)).to(device)
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((batch, 784)).astype(np.float32), device=device)
    y = lib.tensor(rng.integers(0, 10, batch), device=device)

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return step


def _cnn(lib, device, batch):
    nn = lib.nn
    model = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(64 * 8 * 8, 10)).to(device)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((batch, 3, 32, 32)).astype(np.float32), device=device)
    y = lib.tensor(rng.integers(0, 10, batch), device=device)

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def _lstm(lib, device, batch):
    nn = lib.nn
    lstm, head = nn.LSTM(64, 256, batch_first=True).to(device), nn.Linear(256, 10).to(device)
    opt = lib.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=1e-3)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((batch, 50, 64)).astype(np.float32), device=device)
    y = lib.tensor(rng.integers(0, 10, batch), device=device)

    def step():
        opt.zero_grad()
        out, _ = lstm(x)
        nn.functional.cross_entropy(head(out[:, -1]), y).backward()
        opt.step()

    return step


WORKLOADS = {
    "MLP 784-4096-4096-10, batch 512, Adam": (_mlp, {"batch": 512, "width": 4096}),
    "MLP 784-256-256-10, batch 64, Adam (launch-bound)": (_mlp, {"batch": 64, "width": 256}),
    "CNN 2 conv+BN, 32x32x3, batch 256, SGD": (_cnn, {"batch": 256}),
    "LSTM 256 units, 50 steps, batch 128, Adam": (_lstm, {"batch": 128}),
}


def main(rounds=7, seconds=0.3):
    import cupy
    import torch

    import ember

    sync = {"ember": cupy.cuda.Device().synchronize, "torch": torch.cuda.synchronize}
    print(f"GPU: {torch.cuda.get_device_name()}, CuPy {cupy.__version__}, torch {torch.__version__}")
    print("| workload | ember (ms/step) | torch (ms/step) | ember / torch |")
    print("|---|---|---|---|")
    for name, (make, kwargs) in WORKLOADS.items():
        steps = {"ember": make(ember, "cuda", **kwargs), "torch": make(torch, "cuda", **kwargs)}
        calls = {}
        for lib, step in steps.items():
            for _ in range(3):  # warm up: kernels compile, allocators fill
                step()
            sync[lib]()
            t0 = time.perf_counter()
            step()
            sync[lib]()
            calls[lib] = max(1, int(seconds / max(time.perf_counter() - t0, 1e-6)))
        samples = {lib: [] for lib in steps}
        for _ in range(rounds):
            for lib, step in steps.items():
                sync[lib]()
                t0 = time.perf_counter()
                for _ in range(calls[lib]):
                    step()
                sync[lib]()
                samples[lib].append((time.perf_counter() - t0) / calls[lib])
        e, t = (float(np.median(samples[lib])) * 1e3 for lib in ("ember", "torch"))
        print(f"| {name} | {e:.2f} | {t:.2f} | {e / t:.2f} |", flush=True)


if __name__ == "__main__":
    main()
