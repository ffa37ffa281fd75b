"""calibrate(X_subset=DataFrame) matches columns by name as the other metrics do
(review10/a's design note: it took a DataFrame's columns by position, so a subset with the
same columns in another order was calibrated column against the wrong column)."""

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from datareduce.metrics import calibrate  # noqa: E402


def _table():
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(size=300), "b": 100 + 10 * rng.normal(size=300)})


def test_subset_columns_in_another_order_are_refused_by_name():
    X = _table()
    sub = X.iloc[:30][["b", "a"]]
    with pytest.raises(ValueError, match=r"X_subset has X's columns in another order"):
        calibrate(X, X_subset=sub, n_draws=5, metrics=("coverage",))
    cal = calibrate(X, X_subset=sub[["a", "b"]], n_draws=5, metrics=("coverage",))
    ref = calibrate(X, np.arange(30), n_draws=5, metrics=("coverage",))
    assert cal.metrics["coverage"].value == pytest.approx(ref.metrics["coverage"].value)


def test_subset_with_other_columns_is_refused():
    X = _table()
    with pytest.raises(ValueError, match="X_subset"):
        calibrate(X.to_numpy(), X_subset=X.to_numpy()[:30, :1], n_draws=5,
                  metrics=("coverage",))
