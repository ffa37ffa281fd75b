"""Registry of reducers by short name: ``get_reducer("srs", keep=0.1)``.

Entries are "module:Class" strings so that importing datareduce stays light: a method's
module (and any heavy dependency it has, e.g. torch for ``flow``) is imported only when
the method is asked for.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass

__all__ = ["available_reducers", "get_reducer", "register_reducer", "reducer_class"]


@dataclass(frozen=True)
class _Entry:
    name: str
    target: str  # "package.module:ClassName"
    summary: str
    extra: str | None = None  # the optional extra it needs, if any
    cls: type | None = None  # the class itself, when it was registered as one


_REGISTRY: dict[str, _Entry] = {}

# what each optional extra must make importable (checked without importing it)
_EXTRA_MODULES = {"flow": ("torch", "zuko"), "detection": ("ultralytics",), "dask": ("dask",),
                  "kt": ("goodpoints",)}


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def register_reducer(name: str, target, summary: str, *, extra: str | None = None,
                     replace: bool = False) -> None:
    """Register a reducer class under ``name`` (a short name, case-insensitive), so that
    ``get_reducer(name, ...)``, ``compare`` and the search can use it.

    ``target`` is the class itself (a :class:`~datareduce.base.BaseReducer` subclass) or
    the string ``"package.module:ClassName"`` (imported only when the method is asked for,
    as the package's own methods are); ``summary`` is the one line
    ``available_reducers(with_summary=True)`` shows; ``extra`` the optional extra it needs.
    A name already registered to another class is refused unless ``replace=True``
    (registering the same class again, e.g. re-running a notebook cell, is allowed).

    Examples
    --------
    >>> from datareduce.reducers.random import StratifiedRandomReducer
    >>> register_reducer("my-srs", StratifiedRandomReducer, "SRS under another name")
    >>> get_reducer("my-srs", keep=0.2)
    StratifiedRandomReducer(keep=0.2)
    >>> del _REGISTRY["my-srs"]
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name={name!r} must be a non-empty string (the method's short name).")
    cls = None
    if isinstance(target, type):
        from .base import BaseReducer

        if not issubclass(target, BaseReducer):
            raise TypeError(f"target={target.__name__} is not a reducer class: pass a subclass "
                            "of datareduce.base.BaseReducer, or its 'package.module:ClassName'.")
        cls, target = target, f"{target.__module__}:{target.__qualname__}"
    elif not isinstance(target, str) or target.count(":") != 1 or not all(
            part.strip() for part in target.split(":")):
        raise ValueError(f"target={target!r} must be a reducer class or the string "
                         "'package.module:ClassName' (a colon before the class name), e.g. "
                         "'mypackage.reducers:MyReducer'.")
    key = name.lower()
    old = _REGISTRY.get(key)
    if old is not None and not replace and old.target != target:
        raise ValueError(f"a reducer named {key!r} is already registered ({old.target}): pass "
                         "replace=True to replace it, or choose another name.")
    _REGISTRY[key] = _Entry(key, target, summary, extra, cls)


def available_reducers(*, with_summary: bool = False):
    """Names of the registered reducers (or ``{name: summary}`` with ``with_summary``).

    Examples
    --------
    >>> "srs" in available_reducers()
    True
    """
    if with_summary:
        return {k: e.summary + (f" [extra: {e.extra}]" if e.extra else "")
                for k, e in _REGISTRY.items()}
    return list(_REGISTRY)


def method_names(methods, method_params=(), *, all_word: str = "all", role: str = "used"):
    """Method names from ``all_word`` (every registered method), one name or a list, with
    the check that ``method_params`` names only methods among them (the evaluation's
    ``compare`` and the search share it)."""
    if isinstance(methods, str):
        names = available_reducers() if methods == all_word else [methods]
    else:
        names = list(methods)
    if not names:
        raise ValueError(f"methods is empty: name at least one method, or {all_word!r}.")
    unknown = sorted(set(method_params) - set(names))
    if unknown:
        raise ValueError(f"method_params names methods not {role}: {unknown}.")
    return names


def reducer_class(name: str):
    """The class registered under ``name``."""
    key = str(name).lower()
    if key not in _REGISTRY:
        raise ValueError(
            f"Unknown method {name!r}. Available: {', '.join(available_reducers())}."
        )
    entry = _REGISTRY[key]
    if entry.cls is not None:
        return entry.cls
    if entry.extra:
        missing = [m for m in _EXTRA_MODULES.get(entry.extra, ()) if not _importable(m)]
        if missing:
            raise ImportError(
                f"Method {key!r} needs the '{entry.extra}' extra: "
                f"pip install 'datareduce[{entry.extra}]' (missing: {', '.join(missing)})."
            )
    module_name, cls_name = entry.target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if entry.extra:
            raise ImportError(
                f"Method {key!r} needs the '{entry.extra}' extra: "
                f"pip install 'datareduce[{entry.extra}]' ({exc})."
            ) from exc
        raise
    return getattr(module, cls_name)


def get_reducer(name: str, **params):
    """Instantiate the reducer registered under ``name`` with ``params``.

    Examples
    --------
    >>> get_reducer("srs", keep=0.1, random_state=0)
    StratifiedRandomReducer(random_state=0)
    """
    return reducer_class(name)(**params)


_M = "datareduce.reducers"
# the paper's methods first, in its order, then the distribution-guided ones
register_reducer("random", f"{_M}.random:RandomReducer", "uniform random sample (stratify=False by default)")
register_reducer("srs", f"{_M}.random:StratifiedRandomReducer", "stratified random sampling")
register_reducer("clc", f"{_M}.clustering:ClusterCentroidsReducer", "clustering centroids: k-means per class (centroids or medoids)")
register_reducer("mms", f"{_M}.maxmin:MaxMinReducer", "max-min (greedy farthest point) selection on the non-outlier rows (reference: exact)")
register_reducer("des", f"{_M}.entropy:DistanceEntropyReducer", "distance-entropy selection: base split plus highest-entropy rows")
register_reducer("prd", f"{_M}.protodash:ProtoDashReducer", "ProtoDash: greedy weighted prototypes matching the kernel mean embedding")
register_reducer("nrmd", f"{_M}.nrmd:MatrixDecompositionReducer", "numerosity reduction by matrix decomposition (SVD score ranking)")
register_reducer("phl", f"{_M}.phl:PHLandmarksReducer", "persistent-homology landmarks (Stolz): outlier-robust ranking")
register_reducer("vq", f"{_M}.vq:VectorQuantizationReducer", "vector-quantization (k-means codebook) guided selection")
register_reducer("flow", f"{_M}.flow:NormalizingFlowReducer", "normalizing-flow log-density guided selection", extra="flow")
register_reducer("fes", f"{_M}.forgetting:ForgettingEventsReducer", "forgetting events: rows spread over forgetting strata (reference: most forgotten)")
register_reducer("herding", f"{_M}.herding:KernelHerdingReducer", "kernel herding: greedy weighted coreset matching the kernel mean embedding")
register_reducer("kt", f"{_M}.kt:KernelThinningReducer", "kernel thinning (Compress++, goodpoints): near-linear weighted coreset", extra="kt")
