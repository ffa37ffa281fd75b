"""The package's loops limit BLAS to one thread through one kept ThreadpoolController:
``threadpool_limits`` rescanned every loaded shared library at each call (about 3 ms; 536
scans, a fifth of a compare of 5 methods on 5,000 rows, review10/c 12)."""

import numpy as np
import pytest
from sklearn.datasets import make_classification

threadpoolctl = pytest.importorskip("threadpoolctl")


@pytest.fixture
def library_scans(monkeypatch):
    import datareduce._core.threads as threads
    from datareduce import get_reducer

    # one-time imports first (scikit-learn's own controller is built at one of them)
    X, y = make_classification(60, 6, n_informative=3, n_classes=2, random_state=0)
    for method in ("clc", "mms", "prd", "herding", "kt", "nrmd"):
        get_reducer(method, keep=0.2, random_state=0).fit_resample(X, y)
    monkeypatch.setattr(threads, "_controller", None)
    calls = []
    original = threadpoolctl.ThreadpoolController._load_libraries

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(threadpoolctl.ThreadpoolController, "_load_libraries", counted)
    return calls


@pytest.mark.parametrize("method", ["clc", "mms", "prd", "herding", "kt", "nrmd"])
def test_reducers_scan_the_libraries_at_most_once(library_scans, method):
    from datareduce import get_reducer

    X, y = make_classification(600, 8, n_informative=5, n_classes=3, random_state=0)
    for seed in range(3):
        get_reducer(method, keep=0.1, random_state=seed).fit_resample(X, y)
    assert len(library_scans) <= 1


def test_metrics_scan_the_libraries_at_most_once(library_scans):
    from datareduce.metrics import coverage_curve, epsilon_representativeness, mmd

    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 6))
    for k in (20, 40, 80):
        Z = X[:k]
        epsilon_representativeness(X, Z)
        coverage_curve(X, Z)
        mmd(X, Z)
    assert len(library_scans) <= 1
