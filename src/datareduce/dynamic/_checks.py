"""Argument checks shared by the dynamic-pruning modules (plain numpy)."""

from __future__ import annotations

import math
import numbers

import numpy as np

# row positions and arrays, one rule with detection (a lower module): in _core
from .._core.validation import check_indices, to_numpy  # noqa: F401


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
