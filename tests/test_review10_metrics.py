"""review10/a: the representativeness scorer, its metrics and `datareduce score`
(repros in notes/review10/a)."""

import json

import numpy as np
import pandas as pd
import pytest

from datareduce.cli import main


def _regression_tables(tmp_path, n=300, kept=20):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(n, 3)), columns=list("abc"))
    df["t"] = rng.normal(size=n)
    df.to_csv(tmp_path / "full.csv", index=False)
    df.sample(kept, random_state=0).to_csv(tmp_path / "red.csv", index=False)
    return str(tmp_path / "full.csv"), str(tmp_path / "red.csv")


def test_score_caps_bins_at_the_reduced_rows(tmp_path, capsys):
    # 01: --bins 1000 on 20 kept rows gave 300 per-bin epsilons (all but <= 20 infinite) and
    # 291 audit bins; --bins 1000000000 tried to allocate 7.45 GiB for the bin edges
    full, red = _regression_tables(tmp_path)
    out = tmp_path / "r.json"
    assert main(["score", full, red, "--target", "t", "--bins", "1000", "--metric",
                 "euclidean", "--dims", "0", "--json", str(out)]) == 0
    assert len(json.loads(out.read_text())["epsilon"]["per_class"]) <= 20
    assert "binned into 20 quantile bins" in capsys.readouterr().err
    audit = tmp_path / "a.json"
    assert main(["score", full, red, "--target", "t", "--bins", "1000", "--json",
                 str(audit)]) == 0
    assert len(json.loads(audit.read_text())["class_rows"]) <= 20


def test_metrics_refuse_dataframe_columns_in_another_order():
    # 02: the kept rows' columns were compared by position (epsilon 1.46 instead of 1.43)
    from datareduce.metrics import (
        coverage_curve,
        energy_distance,
        epsilon_representativeness,
        get_metric,
        mmd,
        representativeness_report,
        topological_distance,
    )

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(50, 2)), columns=["a", "b"])
    swapped = df[["b", "a"]].iloc[:10]
    calls = [lambda: epsilon_representativeness(df, swapped), lambda: mmd(df, swapped),
             lambda: energy_distance(df, swapped), lambda: coverage_curve(df, swapped),
             lambda: topological_distance(df, swapped, homology_dimensions=(0,)),
             lambda: representativeness_report(df, swapped, homology_dimensions=(0,)),
             lambda: get_metric("coverage")(df, swapped)]
    for call in calls:
        with pytest.raises(ValueError, match=r"another order .*pass X_(reduced|subset)\["):
            call()
    with pytest.raises(ValueError, match="missing 'a'; not in X: 'x'"):
        epsilon_representativeness(df, df.rename(columns={"a": "x"}))
    # the same columns in the same order, and arrays, are accepted as before
    assert epsilon_representativeness(df, df.iloc[:10]).value == \
        epsilon_representativeness(df.to_numpy(), df.to_numpy()[:10]).value


def test_registered_metrics_refuse_nonfinite_subsets_and_foreign_labels():
    # 03: coverage/epsilon of a subset with a NaN were nan, with an infinite row finite;
    # labels '0', '1', '2' for 0, 1, 2 gave inf for every class (coverage, epsilon,
    # bottleneck); mmd's refusal named no fix; topological_distance warned per class
    from datareduce.metrics import get_metric, mmd, topological_distance

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    y = rng.integers(0, 3, 50)
    Z = X[:5].copy()
    Z[0, 0] = np.nan
    for name in ("coverage", "epsilon", "mmd"):
        for sub in (Z, np.nan_to_num(Z, nan=np.inf)):
            with pytest.raises(ValueError, match="X_subset contains NaN or infinite"):
                get_metric(name)(X, sub)
    for name in ("coverage", "epsilon", "bottleneck"):
        with pytest.raises(ValueError, match="y_subset has labels not in y: '0'"):
            get_metric(name, **({"max_points": 20} if name == "bottleneck" else {}))(
                X, X[:10], y, y[:10].astype(str))
    with pytest.raises(ValueError, match="same values and type"):
        mmd(X, X[:10], None, y, y[:10].astype(str))
    with pytest.raises(ValueError, match="same values and type"):
        topological_distance(X, X[:10], y, y[:10].astype(str), homology_dimensions=(0,))
    # a valid subset, and an empty one, still score
    assert get_metric("coverage")(X, X[:10], y, y[:10]).value > 0
    assert get_metric("coverage")(X, X[:0], y, y[:0]).value == np.inf


def test_scorer_refits_on_a_fold_of_the_same_size():
    # 04: a two-fold split scored the training fold's positions on the test fold's rows
    # (-1.643 / -2.582 instead of -1.514 / -2.299)
    from sklearn.base import clone
    from sklearn.model_selection import KFold, cross_val_score

    from datareduce import get_reducer
    from datareduce.metrics import epsilon_representativeness, representativeness_scorer

    X = np.random.default_rng(0).normal(size=(120, 3))
    X[60:] += 100
    reducer = get_reducer("mms", keep=0.2, random_state=0)
    got = cross_val_score(reducer, X, scoring=representativeness_scorer("epsilon"),
                          cv=KFold(2))
    want = []
    for _, test in KFold(2).split(X):
        fitted = clone(reducer).fit(X[test])
        want.append(-epsilon_representativeness(X[test], X[test][fitted.sample_indices_]).value)
    assert np.allclose(got, want)


def test_report_plot_marks_kept_rows_given_as_values():
    # 05: with X_reduced given as rows, all 60 rows were drawn as "dropped" (18 kept too)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from datareduce.metrics import representativeness_report

    X = np.random.default_rng(0).normal(size=(60, 3))
    fig = representativeness_report(X, X[:18], homology_dimensions=(0,)).plot()
    drawn = {c.get_label(): len(c.get_offsets()) for c in fig.axes[-1].collections}
    assert drawn == {"dropped": 42, "kept": 18}
    plt.close(fig)
    # rows that are not rows of X: X is drawn as the full data, nothing as "dropped"
    fig = representativeness_report(X, X[:18] + 0.01, homology_dimensions=(0,)).plot()
    drawn = {c.get_label(): len(c.get_offsets()) for c in fig.axes[-1].collections}
    assert drawn == {"full data": 60, "reduced": 18}
    plt.close(fig)


def test_score_help_states_the_max_points_default(capsys):
    # 06: the help said "default 1000"; the report's diagrams are exact up to 2000 rows
    from datareduce.cli.score import REPORT_MAX_POINTS
    from datareduce.metrics.diagrams import DEFAULT_MAX_POINTS

    assert REPORT_MAX_POINTS == DEFAULT_MAX_POINTS
    with pytest.raises(SystemExit):
        main(["score", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"(default {DEFAULT_MAX_POINTS}; 300 landmarks for --topology)" in help_text


def test_results_with_many_classes_print_short():
    # 07: with 200 classes the reprs were ~5,000 characters, the report's per-class line
    # 2,289 and its HTML view a table of ~1,000 rows (87 KB)
    import warnings

    from datareduce.metrics import (
        epsilon_representativeness,
        get_metric,
        mmd,
        representativeness_report,
    )

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 2))
    y = rng.integers(0, 200, 3000)
    idx = np.arange(0, 3000, 3)
    eps = epsilon_representativeness(X, X[idx], y, y[idx])
    texts = [repr(eps), repr(mmd(X, X[idx], None, y, y[idx])),
             repr(get_metric("coverage")(X, X[idx], y, y[idx]))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # (200 whole numbers of ~15 rows each are a regression target by the package's rule,
        # binned by the report since review14/a 06: these are classes)
        rep = representativeness_report(X, X[idx], y, y[idx], homology_dimensions=(0,),
                                        distances=("bottleneck",), task="classification")
    texts += str(rep).splitlines()
    assert max(map(len, texts)) < 300
    assert len(rep._repr_html_()) < 10_000 and "192 more classes" in rep._repr_html_()
    # the largest (worst covered) classes are the ones named, and every class stays a value
    worst = max(eps.per_class, key=eps.per_class.get)
    assert f"largest {worst}: " in repr(eps) and len(eps.per_class) == 200
    # a few classes: every one, in label order, as before
    small = epsilon_representativeness(X, X[idx], y % 2, (y % 2)[idx])
    assert repr(small).endswith(f"per class: 0: {small.per_class[0]:.4g}, "
                                f"1: {small.per_class[1]:.4g})")


def test_classes_without_reduced_rows_are_one_warning():
    # 08: one warning per class (~280 lines from `score --bins 1000 --metric ...`)
    import warnings

    from datareduce.metrics import topological_distance

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = np.arange(400) % 100
    keep = np.flatnonzero(y < 10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = topological_distance(X, X[keep], y, y[keep], homology_dimensions=(0,))
    assert [str(w.message) for w in caught] == [
        "90 classes have no row in the reduced set (10, 11, 12, 13, 14, ...); their "
        "distances are computed against empty diagrams."]
    assert len(res.per_class) == 100
    with pytest.warns(UserWarning, match="^class 9 has no row in the reduced set"):
        topological_distance(X, X[y != 9], y, y[y != 9], homology_dimensions=(0,))


def test_audit_split_matches_columns_by_name():
    # 09: the same columns in another order were refused with "they differ in: ." (empty)
    from datareduce.metrics import audit_split

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200),
                       "cat": rng.choice(["x", "y"], 200)})
    train, test = df.iloc[:150], df.iloc[150:]
    swapped = audit_split(train, test[["b", "a", "cat"]], n_draws=5)
    assert swapped.features.equals(audit_split(train, test, n_draws=5).features)
    with pytest.raises(ValueError, match="they differ in: a, z"):
        audit_split(train, test.rename(columns={"a": "z"}), n_draws=5)


def test_report_plot_of_one_row():
    # 10: the PCA panel asked for 2 components of one row (scikit-learn's ValueError)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from datareduce.metrics import representativeness_report

    X = np.random.default_rng(0).normal(size=(1, 3))
    fig = representativeness_report(X, X).plot()
    assert fig.axes[-1].get_title() == "PCA projection"
    plt.close(fig)


def test_mmd_refuses_a_bandwidth_its_reference_was_not_computed_with():
    # 11: the reference's bandwidth was used silently (0.155 instead of 0.059 at bandwidth
    # 5); working_memory=-1 gave "math domain error"; max_exact=-1 was taken as 0
    from datareduce.metrics import energy_distance, mmd, mmd_reference

    X = np.random.default_rng(0).normal(size=(100, 2))
    ref = mmd_reference(X)
    with pytest.raises(ValueError, match=r"bandwidth=5.0 but reference was computed with"):
        mmd(X, X[:10], bandwidth=5.0, reference=ref)
    assert mmd(X, X[:10], bandwidth=ref.bandwidth, reference=ref).value == \
        mmd(X, X[:10], reference=ref).value
    for call in (lambda: mmd(X, X[:10], working_memory=-1),
                 lambda: energy_distance(X, X[:10], working_memory=0)):
        with pytest.raises(ValueError, match="working_memory=.* must be a number of MiB > 0"):
            call()
    with pytest.raises(ValueError, match="max_exact=-1 must be None"):
        mmd(X, X[:10], max_exact=-1)
    assert not mmd(X, X[:10], max_exact=0).exact and mmd(X, X[:10], max_exact=None).exact


def test_score_says_which_options_its_output_ignores(tmp_path, capsys):
    # 12: --diagram-metric, --backend, --budget, --max-points (audit) and --topology
    # (uncalibrated report) were ignored without a word
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(120, 3)), columns=list("abc"))
    df["label"] = rng.integers(0, 2, 120)
    full, red = tmp_path / "full.csv", tmp_path / "red.csv"
    df.to_csv(full, index=False)
    df.iloc[::4].to_csv(red, index=False)
    main(["score", str(full), str(red), "--target", "label", "--diagram-metric",
          "chebyshev", "--max-points", "50"])
    assert ("--diagram-metric, --max-points are ignored: they are for the uncalibrated "
            "report (add --metric or --dims), or --topology for --max-points"
            ) in capsys.readouterr().err
    main(["score", str(full), str(red), "--target", "label", "--metric", "euclidean",
          "--dims", "0", "--topology"])
    assert "--topology is ignored" in capsys.readouterr().err
    # the options a run reads: no such line
    main(["score", str(full), str(red), "--target", "label", "--metric", "euclidean",
          "--dims", "0", "--diagram-metric", "chebyshev"])
    out = capsys.readouterr()
    assert "ignored" not in out.err and "bottleneck (chebyshev Rips)" in out.out


@pytest.mark.parametrize("offset", [0.0, 1e6, 1e8])
def test_euclidean_epsilon_is_exact_far_from_the_origin(offset):
    # 13: above 10 features the dot-product expansion's rounding exceeded the distances
    # (epsilon -13% at 1e6, -25% at 1e8; the coverage curve's epsilon +84%)
    from datareduce.metrics import coverage_curve, epsilon_representativeness
    from datareduce.metrics.epsilon import directed_hausdorff

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 16)) * 1e-3 + offset
    idx = rng.choice(3000, 300, replace=False)
    nearest = np.concatenate([np.sqrt(((X[s:s + 500, None, :] - X[idx][None]) ** 2)
                                      .sum(-1)).min(1) for s in range(0, 3000, 500)])
    eps = epsilon_representativeness(X, X[idx], metric="euclidean")
    assert eps.value == pytest.approx(nearest.max(), rel=1e-9)
    assert nearest[eps.worst_index] == pytest.approx(eps.value, rel=1e-12)
    cc = coverage_curve(X, X[idx], metric="euclidean")
    assert cc.epsilon == pytest.approx(nearest.max(), rel=1e-9)
    assert np.allclose(cc.nearest, nearest, rtol=1e-9, atol=0)
    # a tiny working memory (many blocks) and rows that are not kept rows: still exact
    Z = X[idx] + rng.normal(size=(300, 16)) * 1e-4
    brute = max(np.sqrt(((X[s:s + 500, None, :] - Z[None]) ** 2).sum(-1)).min(1).max()
                for s in range(0, 3000, 500))
    assert directed_hausdorff(X, Z, metric="euclidean", working_memory=0.01)[0] == \
        pytest.approx(brute, rel=1e-9)


@pytest.mark.parametrize("max_points", [None, 50])
def test_diagrams_do_not_depend_on_a_shift(max_points):
    # 14: ripser's float32 distances lost the pairs of rows far from the origin (59 of 199
    # H0 pairs at 1e5, none at 1e7; H1 bottleneck 0.088 at 1e7)
    from datareduce.metrics import diagram_distance, persistence_diagrams

    rng = np.random.default_rng(0)
    t = np.linspace(0, 2 * np.pi, 200)
    C = np.c_[np.cos(t), np.sin(t)] + rng.normal(size=(200, 2)) * 0.05
    a = persistence_diagrams(C, max_points=max_points)
    for offset in (1e5, 1e7):
        b = persistence_diagrams(C + offset, max_points=max_points)
        for k in (0, 1):
            assert len(a[k]) == len(b[k])
            assert diagram_distance(a[k], b[k]) < 1e-6


@pytest.mark.parametrize("offset", [1e6, 1e8])
def test_mmd_does_not_depend_on_a_shift(offset):
    # 15: exact MMD -49% and the estimate 6.4e-7 (instead of 0.119) for rows near 1e8
    from datareduce.metrics import mmd, mmd_reference, mmd_test

    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 4))
    idx = rng.choice(500, 50, replace=False)
    Y = X + offset
    assert mmd(Y, Y[idx], bandwidth=1.0).value == pytest.approx(
        mmd(X, X[idx], bandwidth=1.0).value, rel=1e-6)
    assert mmd(Y, Y[idx], bandwidth=1.0, max_exact=100).value == pytest.approx(
        mmd(X, X[idx], bandwidth=1.0, max_exact=100).value, rel=1e-6)
    ref = mmd_reference(Y, bandwidth=1.0)
    assert mmd(Y, Y[idx], reference=ref).value == pytest.approx(
        mmd(X, X[idx], bandwidth=1.0).value, rel=1e-6)
    assert mmd_test(Y, Y[idx], n_permutations=19).p_value == \
        mmd_test(X, X[idx], n_permutations=19).p_value


def test_scorer_measures_tables_the_reducers_accept():
    # 16: a table with a text column or a missing value was refused by the scorer while the
    # reducer and the report accept it
    from sklearn.model_selection import GridSearchCV

    from datareduce import get_reducer
    from datareduce.metrics import representativeness_report, representativeness_scorer

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200),
                       "cat": rng.choice(["x", "y"], 200)})
    df.loc[0, "a"] = np.nan
    y = rng.choice([0, 1], 200)
    reducer = get_reducer("srs", keep=0.2, random_state=0)
    got = representativeness_scorer("epsilon")(reducer, df, y)
    want = representativeness_report(df, reducer, y, homology_dimensions=(0,)).epsilon.value
    assert got == pytest.approx(-want)
    rows = np.arange(len(df))
    search = GridSearchCV(reducer, {"random_state": [0, 1]}, cv=[(rows, rows)],
                          scoring=representativeness_scorer("epsilon"), error_score="raise")
    assert np.isfinite(search.fit(df, y).best_score_)


def test_y_reduced_without_y_is_refused():
    # 17: epsilon, topological_distance and the report ignored y_reduced without y
    from datareduce.metrics import (
        epsilon_representativeness,
        representativeness_report,
        topological_distance,
    )

    X = np.random.default_rng(0).normal(size=(50, 2))
    y = np.arange(50) % 2
    for call in (lambda: epsilon_representativeness(X, X[:10], None, y[:10]),
                 lambda: topological_distance(X, X[:10], None, y[:10],
                                              homology_dimensions=(0,)),
                 lambda: representativeness_report(X, X[:10], None, y[:10],
                                                   homology_dimensions=(0,))):
        with pytest.raises(ValueError, match="y_reduced is given but y is not"):
            call()


def test_y_reduced_length_is_compared_with_the_reduced_rows():
    # 18: "y_reduced has 9 labels but X has 10 rows" (X had 50; X_reduced 10)
    from datareduce.metrics import (
        epsilon_representativeness,
        mmd,
        representativeness_report,
        topological_distance,
    )

    X = np.random.default_rng(0).normal(size=(50, 2))
    y = np.arange(50) % 2
    for call in (lambda: epsilon_representativeness(X, X[:10], y, y[:9]),
                 lambda: mmd(X, X[:10], None, y, y[:9]),
                 lambda: representativeness_report(X, X[:10], y, y[:9]),
                 lambda: topological_distance(X, X[:10], y, y[:9])):
        with pytest.raises(ValueError, match="y_reduced has 9 labels but X_reduced has 10 "
                                             "rows: pass one label per reduced row"):
            call()


def test_diagram_metric_checks_its_parameters_when_built():
    # 19: a bad distance, dimension or max_points failed at the first score, or never
    from datareduce.metrics import get_metric

    for kw, match in (({"distance": "cosine"}, "distance='cosine'"),
                      ({"homology_dimensions": (-1,)}, "non-negative"),
                      ({"max_points": 1}, "max_points=1")):
        with pytest.raises(ValueError, match=match):
            get_metric("bottleneck", **kw)
    assert get_metric("wasserstein", homology_dimensions=(1, 0)).homology_dimensions == (0, 1)


def test_bad_weights_are_refused_by_row_and_option(tmp_path, capsys):
    # 20: "weights must be finite, non-negative and not all zero." named no row, no option
    from datareduce.metrics import energy_distance, mmd

    X = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(ValueError, match=r"1 value\(s\) that are negative.*reduced rows 1\)"):
        mmd(X, X[:3], weights=[1, -1, 1])
    with pytest.raises(ValueError, match="weights are all 0"):
        energy_distance(X, X[:3], weights=[0, 0, 0])
    df = pd.DataFrame(X, columns=["a", "b"])
    df.to_csv(tmp_path / "full.csv", index=False)
    df.iloc[::5].assign(w=0.0).to_csv(tmp_path / "red.csv", index=False)
    assert main(["score", str(tmp_path / "full.csv"), str(tmp_path / "red.csv"),
                 "--weight-column", "w"]) != 0
    assert "--weight-column 'w': every weight is 0" in capsys.readouterr().err
