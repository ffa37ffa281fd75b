"""MkDocs hook: draw the figures of the docs before every build (``hooks:`` in mkdocs.yml).

- ``docs/figures/generated/methods/<method>.png``: what each method keeps of one small
  generated 2-D data set (three Gaussian classes, a rare fourth class and a far outlier
  cluster) at two kept fractions, with its default settings; ``methods/mms_reference.png``:
  MMS with ``selection="reference"`` (the exact max-min rule on every row);
- ``docs/figures/generated/audit_*.png``: the figures of an audit page of one reduction of
  the same data (``datareduce.metrics.audit_subset``): MMS keeping 5% with its defaults
  (``audit_map.png``, ``audit_coverage.png``, ...), and with ``selection="reference"``
  (``audit_mms_reference_map.png``, ``audit_mms_reference_coverage.png``), shown in the
  user guide and on the audit page.

The files are build products (not committed: .gitignore); a figure is redrawn when it is
missing or older than this script or the package sources. Run it by hand with
``python docs_hooks/figures.py``; ``python docs_hooks/figures.py --numbers`` prints the
numbers docs/audit.md quotes about these figures (computed by the same calls).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "figures" / "generated"
METHODS = ("srs", "mms", "clc", "des", "prd", "nrmd", "phl", "vq", "fes", "herding", "kt")
#: figure name -> (method, settings) drawn besides METHODS (which use the defaults)
VARIANTS = {"mms_reference": ("mms", {"selection": "reference"})}
#: the audit figures: file prefix -> (method, settings, label drawn as the figure's title)
AUDITS = {
    "audit": ("mms", {}, 'MMS keeping 5%, defaults (selection="coverage", drop_hardest=0.3)'),
    "audit_mms_reference": ("mms", {"selection": "reference"},
                            'MMS keeping 5%, selection="reference"'),
}
AUDIT_KEEP = 0.05
KEEPS = (0.05, 0.2)
N_OUTLIERS = 8  # the last rows of mixture()
N_RARE = 12     # the rows before them


def mixture(seed=0):
    """590 rows in 2-D: three classes of 190 rows, a rare class (12) and an outlier cluster
    (8 rows of class 0), in this order."""
    import numpy as np

    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [4.0, 1.0], [1.5, 4.0]])
    X = np.vstack([rng.normal(c, [1.0, 0.7], size=(190, 2)) for c in centers]
                  + [rng.normal([5.0, 5.0], 0.3, size=(N_RARE, 2)),  # the rare class
                     rng.normal([-5.0, 6.0], 0.25, size=(N_OUTLIERS, 2))])  # outliers
    y = np.r_[np.repeat([0, 1, 2], 190), np.full(N_RARE, 3), np.zeros(N_OUTLIERS, int)]
    return X, y


def _stale(path: Path, sources) -> bool:
    return not path.exists() or path.stat().st_mtime < max(s.stat().st_mtime for s in sources)


def _kept(name, params, keep, X, y):
    from datareduce import get_reducer

    return get_reducer(name, keep=keep, random_state=0, **params).fit(X, y)


def _settings(params) -> str:
    return ", ".join(f'{k}="{v}"' if isinstance(v, str) else f"{k}={v}"
                     for k, v in params.items())


def draw_methods(sources):
    import numpy as np
    from matplotlib.figure import Figure

    from datareduce import available_reducers

    X, y = mixture()
    out = OUT / "methods"
    out.mkdir(parents=True, exist_ok=True)
    todo = {name: (name, {}) for name in METHODS} | VARIANTS
    for fname, (name, params) in todo.items():
        path = out / f"{fname}.png"
        if name not in available_reducers() or not _stale(path, sources):
            continue
        fig = Figure(figsize=(7.2, 3.3), layout="constrained")
        for ax, keep in zip(fig.subplots(1, len(KEEPS)), KEEPS, strict=True):
            r = _kept(name, params, keep, X, y)
            kept = np.zeros(len(X), bool)
            kept[r.sample_indices_] = True
            ax.scatter(X[:, 0], X[:, 1], s=4, color="0.8", linewidths=0)
            syn = getattr(r, "synthetic_", None)
            P, lab = (X[kept], y[kept]) if syn is None else (syn, y[r.sample_indices_])
            for c in np.unique(y):
                ax.scatter(P[lab == c, 0], P[lab == c, 1], s=16, color=f"C{c}",
                           edgecolors="black", linewidths=0.3)
            label = name if not params else f"{name} {_settings(params)}"
            ax.set_title(f"{label}, keep {keep:.0%} ({len(P)} rows)", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        fig.savefig(path, dpi=80)


def _audit(name, params):
    from datareduce.metrics import audit_subset

    X, y = mixture()
    return audit_subset(X, _kept(name, params, AUDIT_KEEP, X, y), y)


def draw_audit(sources):
    OUT.mkdir(parents=True, exist_ok=True)
    for prefix, (name, params, label) in AUDITS.items():
        kinds = ("map", "coverage", "reference", "per_class") if prefix == "audit" else (
            "map", "coverage")  # the docs show the map and the curve of the variant only
        paths = [OUT / f"{prefix}_{k}.png" for k in kinds]
        if not any(_stale(p, sources) for p in paths):
            continue
        for path, (_, _, fig) in zip(paths, _audit(name, params).figures(), strict=False):
            fig.suptitle(label, fontsize=9)
            fig.savefig(path, dpi=80)


def numbers():
    """Print what docs/audit.md says about the figures, from the calls that draw them."""
    import numpy as np

    X, y = mixture()
    n = len(X)
    outliers = np.arange(n - N_OUTLIERS, n)
    rare = np.arange(n - N_OUTLIERS - N_RARE, n - N_OUTLIERS)
    print(f"mixture: {n} rows, class sizes {np.bincount(y).tolist()}")
    for fname, (name, params) in ({"mms": ("mms", {})} | VARIANTS).items():
        for keep in KEEPS:
            idx = _kept(name, params, keep, X, y).sample_indices_
            print(f"methods/{fname}: keep {keep:.0%}: {len(idx)} rows, "
                  f"{np.isin(outliers, idx).sum()} of {N_OUTLIERS} outlier rows, "
                  f"{np.isin(rare, idx).sum()} of {N_RARE} rare-class rows")
    for prefix, (name, params, label) in AUDITS.items():
        a = _audit(name, params)
        cov = a.coverage
        r, curve, lo, mid, hi = (np.asarray(cov[k]) for k in ("radii", "curve", "lo", "mid", "hi"))

        def first(c, r=r):
            return f"{r[np.argmax(c >= 1.0)]:.2f}" if (c >= 1.0).any() else "never"

        at = int(np.argmin(np.abs(r - 1.5)))
        print(f"{prefix} ({label}): curve reaches 1 at r = {first(curve)}; random subsets' "
              f"median at r = {first(mid)}, 95% at r = {first(hi)}, 5% at r = {first(lo)}; "
              f"at r = {r[at]:.2f}: subset {curve[at]:.3f}, median {mid[at]:.3f}; largest "
              f"radius drawn {r[-1]:.2f}: subset {curve[-1]:.3f}, median {mid[-1]:.3f}")
        j = int(np.argmin(np.abs(r - 0.3)))
        print(f"  at r = {r[j]:.2f}: subset {curve[j]:.3f}, band {lo[j]:.3f}-{hi[j]:.3f}, "
              f"median {mid[j]:.3f}")
        for sentence, _ in a.verdicts():
            print(f"  {sentence}")


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
    if "--numbers" in sys.argv[1:]:
        sys.path.insert(0, str(ROOT / "src"))
        numbers()
    else:
        generate()
