"""Rosenblatt's perceptron (1958), the textbook's first model, trained by its own learning rule."""

import numpy as np

from ember.autograd import grad_mode
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter
from ember.tensor import factories
from ember.tensor.tensor import Tensor

__all__ = ["Perceptron"]


def _as_numpy(data, what):
    if isinstance(data, Tensor):
        return data.detach().cpu().numpy()
    try:
        return np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"Perceptron.fit: {what} must be a Tensor, a NumPy array or a list of numbers, "
                        f"got {type(data).__name__}") from e


class Perceptron(Module):
    """A linear threshold unit: ``1`` where ``w . x + b > 0``, else ``0`` (Heaviside step).

    It is trained by Rosenblatt's rule with ``fit``, not by gradient descent: the step function
    has no useful gradient. Labels may be ``{0, 1}`` or ``{-1, +1}``; ``forward`` always answers
    ``0.``/``1.`` (floats), ``predict`` answers in the labels ``fit`` was given.

    Args:
        in_features: the size of each input sample.

    Shape: input ``(N, in_features)`` or ``(in_features,)``; output ``(N,)`` or ``()``.

    Attributes: ``weight`` ``(in_features,)`` and ``bias`` ``()``, both starting at zero;
    after ``fit``, ``converged`` (bool) and ``errors_per_epoch`` (mistakes in each epoch).

    >>> p = ember.nn.Perceptron(2)
    >>> p.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1])  # AND
    True
    >>> p(ember.tensor([[1.0, 1.0], [0.0, 1.0]])).tolist()
    [1.0, 0.0]
    >>> ember.nn.Perceptron(2).fit([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0])  # XOR
    False
    """

    def __init__(self, in_features):
        super().__init__()
        if isinstance(in_features, bool) or not isinstance(in_features, int) or in_features < 1:
            raise ValueError(f"Perceptron: in_features must be a positive int, got {in_features!r}")
        self.in_features = in_features
        self.weight = Parameter(factories.zeros(in_features))
        self.bias = Parameter(factories.zeros(()))
        self.converged = None
        self.errors_per_epoch = []
        self._labels = (0, 1)  # the label values fit saw, for predict

    def forward(self, input):
        if input.ndim not in (1, 2) or input.shape[-1] != self.in_features:
            raise ValueError(f"Perceptron: expected input of shape (N, {self.in_features}) or "
                             f"({self.in_features},), got {tuple(input.shape)}")
        return (input @ self.weight + self.bias > 0).to(self.weight.dtype)

    def predict(self, input):
        """The predicted labels, in the values ``fit`` was given (``{0, 1}`` or ``{-1, +1}``).

        >>> p = ember.nn.Perceptron(1)
        >>> p.fit([[-1.0], [2.0]], [-1, 1])
        True
        >>> p.predict(ember.tensor([[-3.0], [3.0]])).tolist()
        [-1, 1]
        """
        low, high = self._labels
        return (self(input) * (high - low) + low).long()

    def fit(self, X, y, epochs=100, lr=1.0):
        """Rosenblatt's learning rule: for each misclassified sample, in order,
        ``w += lr * (y - y_hat) * x`` and ``b += lr * (y - y_hat)`` (with labels as 0/1).

        Stops after the first epoch without a mistake. On linearly separable data that happens
        after finitely many updates (the perceptron convergence theorem); on data that is not
        separable, such as XOR, it never does.

        Args:
            X: samples, ``(N, in_features)`` (a Tensor, an array or nested lists).
            y: labels, ``(N,)``, all in ``{0, 1}`` or all in ``{-1, +1}``.
            epochs: the most passes over the data.
            lr: the learning rate (the size of each correction).

        Returns:
            Whether it converged (also kept in ``self.converged``); the number of mistakes of
            each epoch is kept in ``self.errors_per_epoch``.
        """
        X, y = _as_numpy(X, "X").astype(np.float64), _as_numpy(y, "y").astype(np.float64)
        if X.ndim != 2 or X.shape[1] != self.in_features:
            raise ValueError(f"Perceptron.fit: X must have shape (N, {self.in_features}), got "
                             f"{X.shape}")
        if y.shape != (X.shape[0],):
            raise ValueError(f"Perceptron.fit: y must have shape ({X.shape[0]},), one label per row of "
                             f"X, got {y.shape}")
        values = set(np.unique(y).tolist())
        if values <= {0.0, 1.0}:
            self._labels, targets = (0, 1), y
        elif values <= {-1.0, 1.0}:
            self._labels, targets = (-1, 1), (y + 1) / 2
        else:
            raise ValueError(f"Perceptron.fit: labels must all be in {{0, 1}} or all in {{-1, +1}}, got "
                             f"the values {sorted(values)}")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"Perceptron.fit: epochs must be a positive int, got {epochs!r}")
        if not lr > 0:
            raise ValueError(f"Perceptron.fit: lr must be positive, got {lr!r}")
        w = self.weight.detach().cpu().numpy().astype(np.float64)
        b = float(self.bias.item())
        self.errors_per_epoch = []
        for _ in range(epochs):
            mistakes = 0
            for x, target in zip(X, targets):
                error = target - (1.0 if x @ w + b > 0 else 0.0)
                if error:
                    w += lr * error * x
                    b += lr * error
                    mistakes += 1
            self.errors_per_epoch.append(mistakes)
            if mistakes == 0:
                break
        with grad_mode.no_grad():
            self.weight.copy_(w)
            self.bias.copy_(np.asarray(b))
        self.converged = self.errors_per_epoch[-1] == 0
        return self.converged

    def extra_repr(self):
        return f"in_features={self.in_features}"
