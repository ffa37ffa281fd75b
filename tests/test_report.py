"""RepresentativenessReport, the scorer and ``datareduce score``."""

import json

import numpy as np
import pytest

from datareduce import RandomReducer
from datareduce.metrics import (
    epsilon_representativeness,
    representativeness_report,
    representativeness_scorer,
    topological_distance,
)


def test_report_numbers_match_the_metric_functions(blobs):
    X, y = blobs
    red = RandomReducer(keep=0.3, stratify=True, random_state=0).fit(X, y)
    rep = representativeness_report(X, red, y)
    idx = red.sample_indices_
    assert rep.n_samples == 60 and rep.n_kept == len(idx) == 18
    assert rep.kept_fraction == pytest.approx(0.3)
    assert rep.method == "RandomReducer"
    eps = epsilon_representativeness(X, X[idx], y, y[idx])
    assert rep.epsilon.value == eps.value and rep.epsilon.per_class == eps.per_class
    assert rep.epsilon.metric == "chebyshev"
    td = topological_distance(X, X[idx], y, y[idx])
    assert rep.topology["bottleneck"].value == td.value
    assert rep.topology["bottleneck"].per_class == td.per_class
    assert set(rep.topology) == {"bottleneck", "wasserstein"}
    # stability: subset, Hausdorff in the diagram metric (euclidean), not the epsilon metric
    st = rep.stability
    assert st["is_subset"] and st["metric"] == "euclidean"
    eps_euc = epsilon_representativeness(X, X[idx], metric="euclidean").value
    assert st["hausdorff"] == pytest.approx(eps_euc)
    for k in (0, 1):
        assert st["bound"][k] == pytest.approx(2 * eps_euc)
        assert st["bottleneck"][k] == td.value[k] and st["holds"][k]
    for c, dims in st["per_class"].items():
        e_c = epsilon_representativeness(X[y == c], X[idx][y[idx] == c], metric="euclidean")
        for d in dims.values():
            assert d["bound"] == pytest.approx(2 * e_c.value) and d["holds"]
    assert rep.timings["reduction"] == red.fit_time_ and rep.timings["total"] > 0
    assert rep.subsampling["full"] == 0.0 and rep.subsampling["reduced"] == 0.0


def test_unfitted_reducer_is_fitted_and_arrays_need_labels(blobs):
    X, y = blobs
    rep = representativeness_report(X, RandomReducer(keep=10, random_state=1), y,
                                    homology_dimensions=(0,), distances="bottleneck")
    assert rep.n_kept == 10 and set(rep.topology) == {"bottleneck"}
    assert "reduction" in rep.timings
    with pytest.raises(ValueError, match="y_reduced"):
        representativeness_report(X, X[:5], y)
    with pytest.raises(ValueError, match="features"):
        representativeness_report(X, X[:5, :2])
    with pytest.raises(ValueError, match="diagram_metric"):
        representativeness_report(X, X[:5], diagram_metric="cosine")


def test_synthetic_rows_use_the_symmetric_hausdorff_distance():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    C = np.array([[0.0, 0.0], [1.5, 0.0], [-1.5, 0.0], [0.0, 1.5], [0.0, -1.5], [8.0, 8.0]])
    # not rows of X; (8, 8) is far from every row of X
    rep = representativeness_report(X, C, homology_dimensions=(0,))
    st = rep.stability
    assert not st["is_subset"]
    forward = epsilon_representativeness(X, C, metric="euclidean").value
    back = epsilon_representativeness(C, X, metric="euclidean").value
    assert back > forward
    assert st["hausdorff"] == pytest.approx(max(forward, back))
    assert st["holds"][0]


def test_subsampled_report_states_radii_and_widens_the_bound():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 3))
    rep = representativeness_report(X, X[:150], max_points=100, distances=("bottleneck",))
    sub = rep.subsampling
    assert sub["max_points"] == 100 and sub["full"] > 0 and sub["reduced"] > 0
    bn = rep.topology["bottleneck"]
    assert bn.full.h0_method == "mst"  # H0 exact, H1 on the subsample
    dH = rep.stability["hausdorff"]
    assert rep.stability["bound"][0] == pytest.approx(2 * dH)
    assert rep.stability["bound"][1] == pytest.approx(2 * dH + 2 * sub["full"] + 2 * sub["reduced"])
    assert "greedy permutation" in str(rep)


def test_exports(blobs, tmp_path):
    X, y = blobs
    rep = representativeness_report(X, RandomReducer(keep=0.5, random_state=0), y)
    d = rep.to_dict()
    text = json.dumps(d)  # JSON-serialisable
    assert json.loads(text)["epsilon"]["value"] == pytest.approx(rep.epsilon.value)
    path = tmp_path / "sub" / "report.json"
    rep.to_json(path)
    assert json.loads(path.read_text())["n_kept"] == 30
    df = rep.to_frame()
    assert set(df.columns) == {"scope", "quantity", "dimension", "value"}
    row = df[(df.scope == "all") & (df.quantity == "bottleneck") & (df.dimension == 1)]
    assert row.value.item() == rep.topology["bottleneck"].value[1]
    assert (df[df.quantity == "epsilon"].scope.tolist()) == ["all", "0", "1", "2"]
    html = rep._repr_html_()
    assert html.startswith("<div>") and "<table" in html and "bottleneck" in html
    s = str(rep)
    assert "kept 30 of 60" in s and "stability" in s and "VIOLATED" not in s


def test_plot_draws_diagrams_and_projection(blobs):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = blobs
    rep = representativeness_report(X, RandomReducer(keep=0.3, random_state=0), y)
    fig = rep.plot()
    axes = fig.get_axes()
    assert len(axes) == 3
    assert axes[0].get_title().startswith("H0") and axes[1].get_title().startswith("H1")
    assert axes[2].get_title() == "PCA projection"
    # kept and dropped rows: 18 kept + 42 dropped points in the projection panel
    sizes = sorted(len(c.get_offsets()) for c in axes[2].collections)
    assert sizes == [18, 42]
    plt.close(fig)


def test_scorer_in_grid_search():
    from sklearn.model_selection import GridSearchCV

    X = np.random.default_rng(0).normal(size=(150, 3))
    rows = np.arange(len(X))
    search = GridSearchCV(RandomReducer(keep=0.2), {"random_state": [0, 1, 2, 3, 4]},
                          scoring=representativeness_scorer("epsilon"), cv=[(rows, rows)])
    search.fit(X)
    eps = [epsilon_representativeness(X, reducer=RandomReducer(keep=0.2, random_state=s)
                                      .fit(X)).value for s in range(5)]
    assert np.allclose(search.cv_results_["mean_test_score"], -np.array(eps))
    assert search.best_params_["random_state"] == int(np.argmin(eps))
    topo = representativeness_scorer("bottleneck", metric="euclidean", homology_dimensions=(0,))
    red = RandomReducer(keep=0.2, random_state=0).fit(X)
    expected = topological_distance(X, X[red.sample_indices_], homology_dimensions=(0,)).max
    assert topo(red, X) == pytest.approx(-expected)
    # a reducer fitted on other data is refitted on the data it is scored on
    assert topo(RandomReducer(keep=0.2, random_state=0).fit(X[:50]), X) == pytest.approx(-expected)
    with pytest.raises(ValueError, match="score="):
        representativeness_scorer("accuracy")


def test_cli_score(tmp_path, capsys):
    pd = pytest.importorskip("pandas")
    from datareduce.cli import main

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(120, 3)), columns=["a", "b", "c"])
    df["label"] = rng.integers(0, 2, 120)
    full, red, out = tmp_path / "full.csv", tmp_path / "red.csv", tmp_path / "r.json"
    df.to_csv(full, index=False)
    df.iloc[::4].to_csv(red, index=False)
    # by default the audit against random subsets
    assert main(["score", str(full), str(red), "--target", "label", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Subset audit: kept 30 of 120" in printed and "bottleneck" not in printed
    d = json.loads(out.read_text())
    assert d["n_kept"] == 30 and list(d["calibration"]["metrics"])[0] == "mmd"
    # --topology adds the calibrated bottleneck distance to the audit
    assert main(["score", str(full), str(red), "--target", "label", "--topology",
                 "--max-points", "50", "--json", str(out), "--overwrite", "-q"]) == 0
    assert "bottleneck" in capsys.readouterr().out
    assert "bottleneck" in json.loads(out.read_text())["calibration"]["metrics"]
    # the uncalibrated report when asked for
    assert main(["score", str(full), str(red), "--target", "label", "--metric", "chebyshev",
                 "--json", str(out), "--overwrite"]) == 0
    printed = capsys.readouterr().out
    assert "kept 30 of 120" in printed and "bottleneck" in printed
    d = json.loads(out.read_text())
    assert d["stability"]["is_subset"] and set(d["epsilon"]["per_class"]) == {"0", "1"}
    df[["a", "b"]].to_csv(red, index=False)
    assert main(["score", str(full), str(red)]) == 2
    assert "lacks columns of FULL" in capsys.readouterr().err


def test_report_accepts_a_dataframe_with_strings_and_missing_values():
    """What every reducer accepts (issue 23): the selection space, not an error."""
    pd = pytest.importorskip("pandas")
    from datareduce.metrics import audit_space

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=90), "c": rng.choice(["u", "v", None], 90)})
    df.loc[::7, "a"] = np.nan
    y = rng.integers(0, 2, 90)
    rep = representativeness_report(df, RandomReducer(keep=0.3, random_state=0), y,
                                    homology_dimensions=(0,), distances="bottleneck")
    A, _, _ = audit_space(df)
    assert rep.n_features == A.shape[1] == 5  # a, its missing indicator, u, v, missing
    idx = np.flatnonzero(rep._kept)
    assert rep.epsilon.value == epsilon_representativeness(A, A[idx], y, y[idx]).value
    rows = representativeness_report(df, df.iloc[idx], y, y[idx], homology_dimensions=(0,))
    assert rows.epsilon.value == rep.epsilon.value
