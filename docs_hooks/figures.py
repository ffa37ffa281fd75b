"""MkDocs hook: draw the figures of the docs before every build (``hooks:`` in mkdocs.yml).

- ``docs/figures/generated/methods/<method>.png``: what each method keeps of one small
  generated 2-D data set (three Gaussian classes, a rare fourth class and a far outlier
  cluster) at two kept fractions;
- ``docs/figures/generated/audit_*.png``: the figures of an audit page of one reduction of
  the same data (``datareduce.metrics.audit_subset``), shown in the user guide.

The files are build products (not committed: .gitignore); a figure is redrawn when it is
missing or older than this script or the package sources. Run it by hand with
``python docs_hooks/figures.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "figures" / "generated"
METHODS = ("srs", "mms", "clc", "des", "prd", "nrmd", "phl", "vq", "fes", "herding", "kt")
KEEPS = (0.05, 0.2)


def mixture(seed=0):
    """600 rows in 2-D: three classes, a rare class (12 rows) and an outlier cluster (8)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [4.0, 1.0], [1.5, 4.0]])
    X = np.vstack([rng.normal(c, [1.0, 0.7], size=(190, 2)) for c in centers]
                  + [rng.normal([5.0, 5.0], 0.3, size=(12, 2)),      # the rare class
                     rng.normal([-5.0, 6.0], 0.25, size=(8, 2))])   # outliers, class 0
    y = np.r_[np.repeat([0, 1, 2], 190), np.full(12, 3), np.zeros(8, int)]
    return X, y


def _stale(path: Path, sources) -> bool:
    return not path.exists() or path.stat().st_mtime < max(s.stat().st_mtime for s in sources)


def draw_methods(sources):
    import numpy as np
    from matplotlib.figure import Figure

    from datareduce import available_reducers, get_reducer

    X, y = mixture()
    out = OUT / "methods"
    out.mkdir(parents=True, exist_ok=True)
    for name in METHODS:
        path = out / f"{name}.png"
        if name not in available_reducers() or not _stale(path, sources):
            continue
        fig = Figure(figsize=(7.2, 3.3), layout="constrained")
        for ax, keep in zip(fig.subplots(1, len(KEEPS)), KEEPS, strict=True):
            r = get_reducer(name, keep=keep, random_state=0).fit(X, y)
            kept = np.zeros(len(X), bool)
            kept[r.sample_indices_] = True
            ax.scatter(X[:, 0], X[:, 1], s=4, color="0.8", linewidths=0)
            syn = getattr(r, "synthetic_", None)
            P, lab = (X[kept], y[kept]) if syn is None else (syn, y[r.sample_indices_])
            for c in np.unique(y):
                ax.scatter(P[lab == c, 0], P[lab == c, 1], s=16, color=f"C{c}",
                           edgecolors="black", linewidths=0.3)
            ax.set_title(f"{name}, keep {keep:.0%} ({len(P)} rows)", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        fig.savefig(path, dpi=80)


def draw_audit(sources):
    from datareduce import get_reducer
    from datareduce.metrics import audit_subset

    paths = [OUT / f"audit_{k}.png" for k in ("map", "coverage", "reference", "per_class")]
    if not any(_stale(p, sources) for p in paths):
        return
    X, y = mixture()
    audit = audit_subset(X, get_reducer("mms", keep=0.05, random_state=0).fit(X, y), y)
    OUT.mkdir(parents=True, exist_ok=True)
    for path, (_, _, fig) in zip(paths, audit.figures(), strict=False):
        fig.savefig(path, dpi=80)


def generate():
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import matplotlib

    matplotlib.use("Agg")
    sources = [Path(__file__), *sorted((ROOT / "src" / "datareduce").rglob("*.py"))]
    draw_methods(sources)
    draw_audit(sources)


def on_pre_build(config, **kwargs):  # the MkDocs event
    generate()


if __name__ == "__main__":
    generate()
