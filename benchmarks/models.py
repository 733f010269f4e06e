"""High-level API workloads (issue: the Keras-style API): what ``fit`` adds over a hand-written loop.

Here the reference is not torch but ember itself: ``make(ember)`` runs one epoch through
``Model.fit(verbose=0)`` and the workload's ``baseline`` runs the same epoch (same model, data,
batch size and Adam optimizer) as a hand-written ember loop.
"""

import numpy as np

N_SAMPLES, BATCH = 1024, 64


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N_SAMPLES, 28, 28, 1)).astype(np.float32)
    y = rng.integers(0, 10, N_SAMPLES).astype(np.int64)
    return x, y


def _lenet():
    import ember
    from ember import layers

    ember.manual_seed(0)
    return ember.models.Sequential([
        layers.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dense(10),
    ])


def fit_epoch(lib):
    """One epoch of the LeNet-style CNN through ``fit(verbose=0)``."""
    model = _lenet()
    model.compile(lib.optimizers.Adam(learning_rate=1e-3),
                  lib.losses.SparseCategoricalCrossentropy(from_logits=True))
    x, y = _data()

    def step():
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=True)
    return step


def loop_epoch(lib):
    """The same epoch as a hand-written ember loop (shuffle, forward, loss, backward, Adam)."""
    model = _lenet()
    model(lib.zeros(1, 28, 28, 1))  # build
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    x, y = _data()
    rng = np.random.default_rng(1)

    def step():
        order = rng.permutation(N_SAMPLES)
        model.train()
        for start in range(0, N_SAMPLES, BATCH):
            idx = order[start:start + BATCH]
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(x[idx]), training=True),
                                                   lib.tensor(y[idx]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return step


# name: (make(lib), kwargs, target ratio, NumPy reference, baseline replacing torch)
WORKLOADS = {
    "fit overhead: LeNet CNN epoch, fit(verbose=0) vs a hand-written ember loop":
        (fit_epoch, {}, 1.1, None, loop_epoch),
}
