"""``Compose`` (a pipeline of transforms) and ``Lambda`` (a function as a transform)."""

__all__ = ["Compose", "Lambda"]


class Compose:
    """Apply ``transforms`` one after another.

    Called with several inputs (``pipeline(image, mask)``), each transform receives all of them, so
    random geometric transforms move the image and its mask together.

    Args:
        transforms: a list of callables (transforms, or functions of one input).

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import Compose, ToTensor, Normalize
        >>> pipeline = Compose([ToTensor(), Normalize((0.5,), (0.5,))])
        >>> pipeline(np.full((2, 2), 255, np.uint8)).tolist()
        [[[1.0, 1.0], [1.0, 1.0]]]
    """

    def __init__(self, transforms):
        transforms = list(transforms)
        for i, t in enumerate(transforms):
            if not callable(t):
                raise TypeError(f"Compose: transforms[{i}] is a {type(t).__name__}, not a callable; "
                                "give transforms such as RandomCrop(32) or functions")
        self.transforms = transforms

    def __call__(self, *inputs):
        if len(inputs) == 1:
            x = inputs[0]
            for t in self.transforms:
                x = t(x)
            return x
        for t in self.transforms:
            inputs = t(*inputs)
        return inputs

    def __repr__(self):
        lines = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"Compose({lines}\n)"


class Lambda:
    """Apply a function to each input: ``Lambda(f)(image, mask) == (f(image), f(mask))``.

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import Lambda
        >>> Lambda(lambda x: x * 2)(np.ones(2)).tolist()
        [2.0, 2.0]
    """

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: lambd should be callable, got a {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, *inputs):
        outputs = tuple(self.lambd(x) for x in inputs)
        return outputs[0] if len(outputs) == 1 else outputs

    def __repr__(self):
        return f"Lambda({getattr(self.lambd, '__name__', repr(self.lambd))})"
