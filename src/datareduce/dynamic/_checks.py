"""Argument checks shared by the dynamic-pruning modules (plain numpy)."""

from __future__ import annotations

import math
import numbers

import numpy as np


def check_int(value, name, *, minimum, allow_none=False):
    """``value`` as an int >= ``minimum`` (None passes when ``allow_none``)."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {minimum}, got {value!r}.")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name}={value} must be an int >= {minimum}.")
    return value


def check_real(value, name, *, low, high, low_open=False, high_open=False, hint=""):
    """``value`` as a finite float in the interval from ``low`` to ``high``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}.")
    value = float(value)
    ok_low = value > low if low_open else value >= low
    ok_high = value < high if high_open else value <= high
    if not (math.isfinite(value) and ok_low and ok_high):
        interval = ("(" if low_open else "[") + f"{low}, {high}" + (")" if high_open else "]")
        raise ValueError(f"{name}={value} must be in {interval}.{(' ' + hint) if hint else ''}")
    return value


def to_numpy(values):
    """numpy view of an array-like or a torch tensor (detached, on the CPU).

    Floating tensors numpy has no type for (``torch.bfloat16``, the float8 types) are
    converted to float32 first (exact for bfloat16)."""
    if hasattr(values, "detach") and hasattr(values, "cpu"):
        values = values.detach().cpu()
        try:
            values = values.numpy()
        except TypeError:
            if not getattr(values.dtype, "is_floating_point", False):
                raise
            values = values.float().numpy()
    return np.asarray(values)


def seed_entropy(random_state):
    """Integer entropy of ``random_state`` that seeds every epoch's draws."""
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**63))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.SeedSequence):
        return random_state.entropy
    if random_state is None:
        return np.random.SeedSequence().entropy
    if isinstance(random_state, (bool, np.bool_)) or not isinstance(
        random_state, numbers.Integral
    ):
        raise TypeError(
            "random_state must be None, an int, a numpy Generator or RandomState; got "
            f"{type(random_state).__name__}."
        )
    if int(random_state) < 0:
        raise ValueError(f"random_state={random_state} must be a non-negative int or None.")
    return int(random_state)


def check_indices(indices, n_samples):
    """``indices`` as a 1-D int64 array of row positions in ``[0, n_samples)``."""
    idx = to_numpy(indices)
    if idx.ndim == 0:
        idx = idx.reshape(1)
    if idx.ndim != 1:
        raise ValueError(f"indices must be 1-D, got shape {idx.shape}.")
    if idx.size == 0:
        return idx.astype(np.int64)
    if idx.dtype.kind not in "iu":
        if idx.dtype.kind == "f" and np.all(np.mod(idx, 1) == 0):
            idx = idx.astype(np.int64)
        else:
            raise TypeError(f"indices must be integer row positions, got dtype {idx.dtype}.")
    idx = idx.astype(np.int64)
    if idx.min() < 0 or idx.max() >= n_samples:
        raise ValueError(
            f"indices must be in [0, {n_samples - 1}] (n_samples={n_samples}); "
            f"got values from {int(idx.min())} to {int(idx.max())}."
        )
    return idx
