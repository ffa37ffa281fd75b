"""How often random subsets get a red line: each metric alone, any line, and the metrics
together (``Calibration.familywise``, the audit's last verdict).

    python benchmarks/bench_audit_familywise.py 400   # number of subsets (default 100)

600 rows of 4 Gaussian features shifted by class (3 classes, 50/30/20 %), stratified
random subsets of 60 rows, the audit's defaults. docs/audit.md has the numbers.
"""
import sys
import warnings

import numpy as np

from datareduce.metrics import audit_subset

warnings.simplefilter("ignore")
n_sub = int(sys.argv[1]) if len(sys.argv) > 1 else 100
rng = np.random.default_rng(0)
n = 600
y = rng.choice(3, n, p=[0.5, 0.3, 0.2])
X = rng.normal(size=(n, 4)) + y[:, None] * 0.7
alone, anyred, fam = [], 0, []
for s in range(n_sub):
    r = np.random.default_rng(100 + s)
    idx = np.concatenate([r.choice(np.flatnonzero(y == c), k, replace=False)
                          for c, k in zip(range(3), (30, 18, 12), strict=True)])
    a = audit_subset(X, idx, y, random_state=s)
    per = [m.percentile.get("srs") for m in a.calibration.metrics.values()]
    alone.append([p < 5 for p in per])
    anyred += any(p is not None and p == p and p < 5 for _, p in a.verdicts())
    f = a.calibration.familywise()
    fam.append(f[0] if f else np.nan)
alone = np.array(alone)
fam = np.array(fam)
print(f"{n_sub} stratified random subsets of 60 of 600 rows: each metric below 5: "
      f"{alone.mean(axis=0).round(3).tolist()}; any red line: {anyred / n_sub:.3f}; "
      f"familywise below 5: {np.mean(fam < 5):.3f} (nan {np.isnan(fam).sum()})")
