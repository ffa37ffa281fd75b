"""Split audit (issue 23): planted duplicates and groups are all found, a clean split has none."""

import json

import numpy as np
import pytest

from datareduce.metrics import audit_split

pd = pytest.importorskip("pandas")


def _table(n=600, seed=0):
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    df = data.frame.sample(n=min(n, len(data.frame)), random_state=seed).reset_index(drop=True)
    rng = np.random.default_rng(seed)
    df["site"] = rng.choice(["north", "south", "east"], len(df))
    df.loc[rng.random(len(df)) < 0.05, "mean radius"] = np.nan
    df["patient"] = rng.integers(0, 10**6, len(df))  # unique-ish ids
    return df


def _plant(df, n_exact, n_near, n_groups, seed=0):
    """Split 70/30 and copy training rows into the test split: exact, jittered (by 5e-4 of
    each numeric column's standard deviation), same group."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(df))
    cut = int(0.7 * len(df))
    train, test = df.iloc[order[:cut]].copy(), df.iloc[order[cut:]].copy()
    src = rng.choice(len(train), n_exact + n_near + n_groups, replace=False)
    exact = train.iloc[src[:n_exact]].copy()
    near = train.iloc[src[n_exact:n_exact + n_near]].copy()
    num = [c for c in df.columns if df[c].dtype.kind == "f"]
    near[num] = near[num] + rng.normal(size=near[num].shape) * (5e-4 * df[num].std()).to_numpy()
    grouped = test.iloc[:n_groups].copy()
    grouped["patient"] = train["patient"].iloc[src[n_exact + n_near:]].to_numpy()
    test = pd.concat([test.iloc[n_groups:], exact, near, grouped], ignore_index=True)
    return train.reset_index(drop=True), test, grouped["patient"].tolist()


def test_every_planted_duplicate_and_group_is_found():
    df = _table()
    train, test, planted_groups = _plant(df, n_exact=7, n_near=9, n_groups=5)
    audit = audit_split(train, test, target="target", group="patient", n_draws=5)
    n0 = len(test) - 16 - 5  # test rows, then exact, near and grouped copies
    dup = audit.duplicates
    assert sorted(dup.loc[dup.exact, "test_row"]) == list(range(n0, n0 + 7))
    assert sorted(dup.loc[~dup.exact, "test_row"]) == list(range(n0 + 7, n0 + 16))
    assert (dup.loc[dup.exact, "distance"] == 0).all()
    assert set(planted_groups) <= set(audit.groups["group"])
    assert audit.n_exact == 7 and audit.n_near == 9
    # the leaking train rows are the planted sources
    for _, r in dup.iterrows():
        a = train.drop(columns=["target", "patient"]).iloc[int(r.train_row)]
        b = test.drop(columns=["target", "patient"]).iloc[int(r.test_row)]
        same = [x == z or (pd.isna(x) and pd.isna(z)) for x, z in zip(a, b, strict=True)]
        assert all(same) if r.exact else a["site"] == b["site"]
    text = str(audit)
    assert "7 test row(s) are exact duplicates" in text and "9 test row(s) are near" in text
    d = json.loads(audit.to_json())
    assert len(d["duplicates"]) == 16 and d["n_test"] == len(test)


def test_a_clean_split_has_no_false_pair():
    df = _table()
    train, test, _ = _plant(df, 0, 0, 0)
    audit = audit_split(train, test, target="target", group="patient", n_draws=5)
    assert len(audit.duplicates) == 0 and len(audit.groups) == 0
    assert "no test row is one of the exact duplicates" in str(audit)


def test_a_biased_split_shows_in_features_and_metrics():
    df = _table()
    df = df.sort_values("mean texture").reset_index(drop=True)
    train, test = df.iloc[:400], df.iloc[400:]
    audit = audit_split(train, test, target="target", n_draws=20)
    f = audit.features.set_index("feature")
    assert f.loc["mean texture", "percentile"] == 0.0
    assert f.loc["mean texture", "statistic"] == pytest.approx(1.0)
    assert audit.representativeness.calibration.headline.percentile["srs"] < 5


def test_arrays_and_errors(tmp_path):
    rng = np.random.default_rng(0)
    train, test = rng.normal(size=(200, 3)), rng.normal(size=(50, 3))
    audit = audit_split(train, test, groups_train=np.arange(200), groups_test=np.arange(195, 245),
                        n_draws=5)
    assert audit.groups["group"].tolist() == [195, 196, 197, 198, 199]
    page = audit.to_html(tmp_path / "split.html")
    assert page.count("<img") >= 4 and "Split audit" in page
    with pytest.raises(ValueError, match="names a column"):
        audit_split(train, test, target="y")
    with pytest.raises(ValueError, match="same feature columns"):
        audit_split(pd.DataFrame(train, columns=list("abc")), pd.DataFrame(test, columns=list("abd")))
    with pytest.raises(ValueError, match="both splits"):
        audit_split(train, test, y_train=np.zeros(200))


def test_classes_in_one_split_only_are_named(tmp_path):
    """A class only the test split has is one the model never sees (before: nothing said,
    and the test split was 'closer to the full data than 100% of random subsets')."""
    df = _table()
    train, test, _ = _plant(df, 0, 0, 0)
    train["target"], test["target"] = train["target"].astype(str), test["target"].astype(str)
    test.loc[test.index[:3], "target"] = "Z"
    audit = audit_split(train, test, target="target", group="patient", n_draws=5)
    text = str(audit)
    assert "1 class(es) appear only in the test split (Z; 3 test row(s))" in text
    z = audit.classes.set_index("class").loc["Z"]
    assert (z["train_rows"], z["test_rows"]) == (0, 3)
    assert "have no test row" not in text  # both real classes are in both splits
    assert json.loads(json.dumps(audit.to_dict()))["classes"][-1]["class"] == "Z"
    assert "Classes in one split only" in audit.to_html()
    # the other way round: a class of the training split with no test row
    audit = audit_split(test, train, target="target", group="patient", n_draws=5)
    assert "1 class(es) have no test row (Z)" in str(audit)
    clean = audit_split(*_plant(df, 0, 0, 0)[:2], target="target", n_draws=5)
    assert "every class (2) has rows in both splits" in str(clean)


def _figure_words(fig):
    words = []
    for ax in fig.axes:
        words += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        words += [t.get_text() for t in ax.texts]
        leg = ax.get_legend()
        if leg is not None:
            words += [t.get_text() for t in leg.get_texts()]
    return words


def test_split_page_figures_speak_of_test_split_and_random_splits():
    """Titles, legends and captions of the split page said "subset", "kept", "this subset"."""
    train, test, _ = _plant(_table(300), 0, 0, 0)
    audit = audit_split(train, test, target="target", n_draws=5)
    figures = audit.figures()
    words = [w for cap, alt, fig in figures for w in [cap, alt, *_figure_words(fig)]]
    assert not [w for w in words if "subset" in w.lower() or "kept" in w.lower()]
    legends = " ".join(words)
    assert "test split" in legends and "random splits" in legends
    page = audit.to_html()
    assert "Test split against random splits" in page


def test_feature_percentiles_are_whole_percents():
    """58.33 with 12 random splits: whole percents only."""
    import re

    train, test, _ = _plant(_table(300), 0, 0, 0)
    page = audit_split(train, test, target="target", n_draws=12).to_html()
    feats = page[page.index("<h2>Per feature"):page.index("<h2>Figures")]
    cells = re.findall(r"<td>([^<]*)</td></tr>", feats)
    assert len(cells) > 10 and all(re.fullmatch(r"\d{1,3}", c) for c in cells), cells


def test_split_page_tables_are_short_and_say_what_their_columns_are():
    """Every group of a many-group split was listed; an empty "Leaking rows" table was a
    bare header; test_row/train_row were unexplained; verdicts printed Python lists."""
    df = _table(400)
    df["patient"] = np.arange(len(df)) // 2  # 200 patients of 2 rows: most split across
    train, test, _ = _plant(df, 0, 0, 0)
    audit = audit_split(train, test, target="target", group="patient", n_draws=5)
    page = audit.to_html()
    groups = page[page.index("<h2>Groups in both splits"):page.index("<h2>", page.index(
        "<h2>Groups in both splits") + 4)]
    assert groups.count("<tr>") == 1 + 20
    assert f"… {len(audit.groups) - 20} more" in groups and len(audit.groups) > 20
    leaks = page[page.index("<h2>Leaking rows"):page.index("<h2>Groups")]
    assert "none" in leaks and "<table" not in leaks
    train2, test2, _ = _plant(df, 3, 0, 0)
    page2 = audit_split(train2, test2, target="target", n_draws=5).to_html()
    assert "0-based row positions" in page2
    many = audit_split(test, train, target="target", n_draws=5)
    many.classes = pd.DataFrame({"class": list("abcdefg"), "train_rows": [0] * 7,
                                 "test_rows": [1] * 7})
    text = str(many)
    assert "(a, b, c, d, e and 2 more; 7 test row(s))" in text and "['" not in text


def test_large_splits_are_judged_on_a_proportional_sample():
    """The test split's own MMD/energy terms grow with the square of its rows (40,000 rows:
    40 s; 200,000: minutes); above max_split_rows the representativeness uses a seeded
    proportional sample (40,000 rows: 15 s, 200,000: 26 s), still sees a shifted split,
    and duplicates are still looked for among every row. The per-feature drift uses the same
    sample (30 draws x a KS test per feature on every row grew with the rows)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1200, 3))
    y = rng.integers(0, 2, 1200)
    train, test = X[:900].copy(), X[900:].copy()
    test[:5] = train[:5]  # five leaked rows
    test[5:, 0] += 0.6  # and a shifted test split
    audit = audit_split(train, test, y[:900], y[900:], n_draws=10, max_split_rows=400)
    assert audit.representativeness_rows == 400
    assert (audit.representativeness.n_samples, audit.representativeness.n_kept) == (400, 100)
    assert audit.n_exact == 5
    assert "further from all rows than" in str(audit)
    assert ("(representativeness and per-feature drift on a proportional sample of 400 rows)"
            in str(audit))
    assert audit.features.set_index("feature").loc["0", "percentile"] < 5  # drift in the sample
    full = audit_split(train, test, y[:900], y[900:], n_draws=5, max_split_rows=None)
    assert full.representativeness_rows == 1200 and "proportional sample" not in str(full)


def _map_legend(audit):
    (fig,) = [fig for _, alt, fig in audit.figures() if alt.startswith("map of")]
    ax = fig.axes[0]
    return ax, [t.get_text() for t in ax.get_legend().get_texts()]


def test_the_map_legend_lists_only_classes_it_draws():
    """A class of the training split with no test row had a legend entry "test, class Z"
    with no point of it on the map; it is named as having no test row instead."""
    df = _table()
    train, test, _ = _plant(df, 0, 0, 0)
    train["target"], test["target"] = train["target"].astype(str), test["target"].astype(str)
    test.loc[test.index[:3], "target"] = "Z"
    audit = audit_split(test, train, target="target", n_draws=5)  # Z: train rows only
    ax, legend = _map_legend(audit)
    assert "test, class Z" not in legend and "class Z: no test row" in legend
    assert legend[:3] == ["train", "test, class 0", "test, class 1"]
    drawn = [c.get_label() for c in ax.collections if len(c.get_offsets())]
    assert drawn == ["train", "test, class 0", "test, class 1"]


def test_split_verdicts_use_the_split_audits_words():
    """The metrics' verdicts in a split audit said "a class of the full data has no row in
    the subset (Z)" and "stratified random subsets": the page's words are the test split,
    all rows and random splits. Printed, in the JSON and on the page alike."""
    df = _table()
    train, test, _ = _plant(df, 0, 0, 0)
    train["target"], test["target"] = train["target"].astype(str), test["target"].astype(str)
    test.loc[test.index[:3], "target"] = "Z"
    audit = audit_split(test, train, target="target", n_draws=5)  # Z: no test row
    biased = df.sort_values("mean texture").reset_index(drop=True)
    skewed = audit_split(biased.iloc[:400], biased.iloc[400:], target="target", n_draws=20)
    for a in (audit, skewed):
        rep = a.representativeness
        said = [v for v, _ in a.verdicts()] + [m["verdict"] for m in
                                               a.to_dict()["representativeness"]
                                               ["calibration"]["metrics"].values()]
        said += [v for v, _ in rep.verdicts()]
        wrong = [v for v in said if any(w in v for w in ("subset", "full data", "full-data",
                                                         "of the all rows", "kept row"))]
        assert not wrong, wrong
    text = str(audit)
    assert "coverage: a class of all rows has no row in the test split (Z)" in text
    assert "closer to all rows than" in text or "further from all rows than" in text
    assert "% of stratified random splits of this size" in text
    skewed_text = str(skewed)
    assert "further from all rows than" in skewed_text
    assert "of 95% of stratified random splits" in skewed_text
    # a plain subset audit keeps its words
    from datareduce.metrics import audit_subset

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 2)), np.repeat(["a", "b", "c"], 100)
    plain = audit_subset(X, np.arange(0, 200), y, n_draws=5)
    assert "coverage: a class of the full data has no row in the subset (c)" in str(plain)


def _brute_near(A_tr, A_te, threshold):
    """Every pair's distance, directly: each test row's nearest training row (the first of
    equally near ones) if within the threshold."""
    d = np.sqrt(((A_te[:, None, :] - A_tr[None, :, :]) ** 2).sum(-1))
    j = d.argmin(1)
    best = d[np.arange(len(A_te)), j]
    within = best <= threshold
    return np.where(within, j, -1), np.where(within, best, np.inf)


@pytest.mark.parametrize("d", [1, 3, 16, 40])
@pytest.mark.parametrize("threshold", [0.0, 0.005, 0.3])
def test_near_duplicate_search_is_exact(d, threshold):
    """The bounded search (a k-d tree of distinct training rows, cut off at the threshold)
    finds the same pairs as all pairs: test rows planted at distances just below and just
    above the threshold, exact copies, training rows repeated (the first is reported)."""
    from datareduce.metrics.leakage import _near_duplicates

    for seed in range(3):
        rng = np.random.default_rng(seed)
        A_tr = rng.normal(size=(400, d))
        A_tr[200:260] = A_tr[rng.integers(0, 200, 60)]  # repeated training rows
        A_tr[260:300, : d // 2] = 0.0  # and rows sharing coordinates
        src = rng.integers(0, 400, 90)
        u = rng.normal(size=(90, d))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        r = np.r_[np.full(30, threshold * (1 - 1e-6)), np.full(30, threshold * (1 + 1e-6)),
                  np.zeros(30)]
        A_te = np.vstack([A_tr[src] + r[:, None] * u, rng.normal(size=(60, d))])
        got = _near_duplicates(A_tr, A_te, threshold)
        want = _brute_near(A_tr, A_te, threshold)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_allclose(got[1], want[1], rtol=1e-12, atol=1e-15)
        below = want[0][:30] >= 0
        assert below.all() and (want[0][60:90] >= 0).all()  # planted below and copies found
        if threshold == 0.005 and d > 1:  # those just above are not pairs (in 1-d other
            # training rows can be that close)
            assert (want[0][30:60] == -1).all() and (got[0][30:60] == -1).all()


def test_split_audit_searches_no_more_rows_than_max_split_rows(monkeypatch):
    """The near-duplicate search fitted NearestNeighbors on every training row and queried
    every test row (n_train x n_test x features: 38 s on 100,000 + 25,000 rows, about 10
    minutes on 400,000), and the per-feature drift ran n_draws + 1 KS tests per feature on
    every row. Now no neighbour search and no KS test gets more than max_split_rows rows,
    and the planted duplicates are still all found."""
    import scipy.stats
    import sklearn.neighbors

    seen = {"fit": [], "ks": []}
    fit, ks = sklearn.neighbors.NearestNeighbors.fit, scipy.stats.ks_2samp

    def spy_fit(self, X, *args, **kwargs):
        seen["fit"].append(len(X))
        return fit(self, X, *args, **kwargs)

    def spy_ks(a, b, *args, **kwargs):
        seen["ks"].append(len(a) + len(b))
        return ks(a, b, *args, **kwargs)

    monkeypatch.setattr(sklearn.neighbors.NearestNeighbors, "fit", spy_fit)
    monkeypatch.setattr(scipy.stats, "ks_2samp", spy_ks)
    rng = np.random.default_rng(0)
    train, test = rng.normal(size=(3000, 4)), rng.normal(size=(750, 4))
    test[:6] = train[:6]
    test[6:9] = train[6:9] + 1e-4
    audit = audit_split(train, test, n_draws=3, max_split_rows=1000)
    assert (audit.n_exact, audit.n_near) == (6, 3)
    assert max(seen["fit"], default=0) <= 1000, max(seen["fit"])
    assert seen["ks"] and max(seen["ks"]) <= 1000, max(seen["ks"])
