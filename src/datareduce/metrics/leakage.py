"""Split audit: is the test split representative of the data, and does anything leak?

:func:`audit_split` answers three questions about a train/test split of a table:

- **Representativeness.** Under a random split the test rows are a random subset of all
  rows (train and test together). The test split is audited as such a subset
  (:func:`datareduce.metrics.audit_subset`: calibrated metrics, per class, against
  stratified and uniform random subsets of the same size), and each feature is compared
  between the splits (numeric: Kolmogorov-Smirnov statistic; categorical, missing values as
  a category: total variation distance) with its percentile among random splits.
- **Row leakage.** Exact duplicates: a test row equal to a training row on every feature
  (values as text and numbers as float64, missing equal to missing). Near duplicates: a test
  row whose nearest training row, in the selection space fitted on both splits
  (standardised numerics, one-hot categoricals), is within ``threshold``: by default
  0.005, i.e. the two rows differ by at most 0.005 standard deviations in all (every
  categorical value equal, since one differing category alone is sqrt(2) away). On the
  benchmark tables distinct rows are further apart than that, except on tables whose
  own rows come that close (``docs/audit.md``). Only pairs within the threshold are
  needed, so the search is a bounded nearest-neighbour query (:func:`_near_duplicates`:
  a k-d tree of the distinct training rows, each test row's search cut off at the
  threshold): exact, and about linear in the rows (every row of both splits is searched),
  where a full nearest-neighbour search cost n_train x n_test x features.
- **Group leakage.** With group ids (a patient, a user, a session), every group present on
  both sides.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import numpy as np

from .._core.strata import N_BINS
from ._html import PageMixin
from .audit import audit_labels, audit_space, audit_subset
from .calibration import DEFAULT_METRICS

__all__ = ["SplitAudit", "audit_split"]

#: the default near-duplicate distance in the standardised selection space
NEAR_THRESHOLD = 0.005
#: groups listed on the page (the largest by test rows; the JSON export has them all)
PAGE_GROUPS = 20


def _names(values, limit: int = 5) -> str:
    """A few names for a sentence, plainly: ``a, b and c`` or ``a, b, c, d, e and 3 more``
    (not a Python list's repr)."""
    values = [str(v) for v in values]
    if len(values) > limit:
        return f"{', '.join(values[:limit])} and {len(values) - limit} more"
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} and {values[-1]}"


@dataclass
class SplitAudit(PageMixin):
    """The result of :func:`audit_split`.

    Attributes
    ----------
    n_train, n_test : int
    representativeness : SubsetAudit
        The test split audited as a subset of train + test (on ``representativeness_rows``
        of them: a proportional sample above ``max_split_rows``; the per-feature drift too).
    features : pandas.DataFrame
        One row per feature: ``feature``, ``kind``, ``statistic`` (KS or total variation),
        ``percentile`` (share of random splits with a larger statistic).
    duplicates : pandas.DataFrame
        One row per leaking test row: ``test_row``, ``train_row`` (positions),
        ``distance`` (selection space), ``exact``.
    threshold : float
        Near-duplicate distance threshold used.
    groups : pandas.DataFrame or None
        One row per group on both sides: ``group``, ``train_rows``, ``test_rows``.
    classes : pandas.DataFrame or None
        With class labels: one row per class, ``class``, ``train_rows``, ``test_rows``
        (a class with no training row is one a model trained on this split never sees;
        one with no test row is one the test score says nothing about).
    timings : dict
    """

    n_train: int
    n_test: int
    representativeness: object
    features: object
    duplicates: object
    threshold: float
    groups: object = None
    timings: dict = field(default_factory=dict)
    classes: object = None
    representativeness_rows: int | None = None
    _page_title = "datareduce split audit"

    @property
    def n_exact(self) -> int:
        return int(self.duplicates["exact"].sum())

    @property
    def n_near(self) -> int:
        return int((~self.duplicates["exact"]).sum())

    def verdicts(self) -> list:
        """``(sentence, percentile or None)`` pairs: leakage first, then representativeness."""
        out = []
        for count, what in ((self.n_exact, "exact duplicates of training rows"),
                            (self.n_near, f"near duplicates of training rows (distance <= "
                                          f"{self.threshold:.3g} in the selection space)")):
            out.append((f"{count} test row(s) are {what}" if count else
                        f"no test row is one of the {what}", 0.0 if count else 100.0))
        if self.groups is not None:
            k = len(self.groups)
            out.append((f"{k} group(s) have rows in both splits" if k else
                        "no group has rows in both splits", 0.0 if k else 100.0))
        out += self._class_verdicts()
        out += [(f"test split vs all rows, {v}", p)
                for v, p in self.representativeness.verdicts()]
        drift = self.features[self.features["percentile"] < 5]
        if len(drift):
            out.append((f"features that differ more between the splits than in 95% of random "
                        f"splits: {_names(drift['feature'], limit=8)}", 0.0))
        return out

    def _class_verdicts(self) -> list:
        c = self.classes
        if c is None:
            return []
        only_test = c[c["train_rows"] == 0]
        only_train = c[c["test_rows"] == 0]
        out = []
        if len(only_test):
            out.append((f"{len(only_test)} class(es) appear only in the test split "
                        f"({_names(only_test['class'])}; {int(only_test['test_rows'].sum())} test "
                        "row(s)): a model trained on this split never sees them", 0.0))
        if len(only_train):
            out.append((f"{len(only_train)} class(es) have no test row "
                        f"({_names(only_train['class'])}): the test score says nothing about "
                        "them", 0.0))
        if not out:
            out.append((f"every class ({len(c)}) has rows in both splits", 100.0))
        return out

    def to_dict(self) -> dict:
        """JSON-serialisable dictionary."""
        return {
            "n_train": self.n_train, "n_test": self.n_test,
            "representativeness_rows": self.representativeness_rows,
            "verdicts": [v for v, _ in self.verdicts()],
            "threshold": float(self.threshold),
            "duplicates": json.loads(self.duplicates.to_json(orient="records")),
            "groups": None if self.groups is None else json.loads(
                self.groups.to_json(orient="records")),
            "classes": None if self.classes is None else json.loads(
                self.classes.to_json(orient="records")),
            "features": json.loads(self.features.to_json(orient="records")),
            "representativeness": self.representativeness.to_dict(),
            "timings": {k: float(v) for k, v in self.timings.items()},
        }


    def __str__(self) -> str:
        lines = [f"Split audit: {self.n_train} training rows, {self.n_test} test rows"
                 + self._sampled()]
        lines += [f"  * {v}" for v, _ in self.verdicts()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _sampled(self) -> str:
        r = self.representativeness_rows
        if r is None or r == self.n_train + self.n_test:
            return ""
        return (f" (representativeness and per-feature drift on a proportional sample of "
                f"{r} rows)")

    def figures(self):
        """The representativeness figures, then per-feature percentiles."""
        from . import _plots

        out = self.representativeness.figures()
        f = self.features
        if len(f):
            names = f["feature"].astype(str).tolist()
            fig, (ax,) = _plots.new_axes(1, width=5.6,
                                         height=_plots.percentiles_height(names))
            _plots.plot_percentiles(ax, names,
                                    f["percentile"].tolist(),
                                    title="per feature: percentile among random splits",
                                    xlabel="percentile among random splits")
            out.append(("Per feature: the share of random splits whose train/test difference "
                        "is larger (below 5, red: the feature drifts; amber 5-10; grey 10-50; "
                        "green from 50).", "per-feature percentiles",
                        fig))
        return out

    def _inner_html(self) -> str:
        from . import _html

        rep = self.representativeness
        blocks = _html.figure_blocks(self)
        dup = self.duplicates.head(200)
        if len(dup):
            leaks = (_html.table(list(dup.columns), dup.itertuples(index=False))
                     + "<p class=\"meta\">test_row and train_row are 0-based row positions in "
                     "the test and training tables (0 is the first data row, the header not "
                     "counted); distance in the selection space, 0 for an exact duplicate."
                     + (f" The first 200 of {len(self.duplicates)}." if len(self.duplicates)
                        > 200 else "") + "</p>")
        else:
            leaks = "<p>none: no test row is an exact or near duplicate of a training row.</p>"
        sections = [("Leaking rows", leaks)]
        if self.groups is not None:
            g = self.groups.head(PAGE_GROUPS)
            more = len(self.groups) - len(g)
            sections.append((
                "Groups in both splits",
                _html.table(list(g.columns), g.itertuples(index=False))
                + (f"<p class=\"meta\">… {more} more (the {len(g)} with the most test rows "
                   "are shown; the JSON export lists every group).</p>" if more else "")
                if len(g) else "<p>none: no group has rows in both splits.</p>"))
        if self.classes is not None:
            c = self.classes
            c = c[(c["train_rows"] == 0) | (c["test_rows"] == 0)].head(200)
            if len(c):
                sections.append(("Classes in one split only",
                                 _html.table(list(c.columns), c.itertuples(index=False))))
        sections += [
            ("Test split against random splits",
             _html.table(("metric", "test split") + rep._HEADER[2:], rep._rows())),
            ("Per feature", _html.table(
                list(self.features.columns),
                ([*r[:-1], _html.pct_text(r[-1])]
                 for r in self.features.itertuples(index=False)))),
            ("Figures", blocks),
        ]
        meta = (f"{self.n_train} training rows, {self.n_test} test rows{self._sampled()}; "
                f"space: {rep.space}; "
                + ", ".join(f"{k} {v:.2g} s" for k, v in self.timings.items()))
        return _html.body("Split audit", self.verdicts(), sections, meta)




def _frame(X):
    import pandas as pd

    from .._core.validation import is_dataframe

    return X.reset_index(drop=True) if is_dataframe(X) else pd.DataFrame(np.asarray(X))


def _same_instants(tr, te):
    """Dates with a time zone, and ISO 8601 dates written as text (judged on both splits
    together), as UTC datetimes: two splits written in different zones or offsets stay one
    date column when joined (pandas makes a column of mixed zones an object column) and the
    same instant hashes alike."""
    import pandas as pd

    from ..preprocessing import _dates_in_text, _is_temporal, _is_text

    tr, te = tr.copy(), te.copy()
    for c in tr.columns:
        a, b = tr[c], te[c]
        if _is_temporal(a.dtype) and _is_temporal(b.dtype):
            if getattr(a.dt, "tz", None) is not None and getattr(b.dt, "tz", None) is not None:
                tr[c], te[c] = a.dt.tz_convert("UTC"), b.dt.tz_convert("UTC")
            continue
        if not (_is_text(a.dtype) and _is_text(b.dtype)):
            continue  # numbers, categories: not text (and not copied to be tried)
        parsed = _dates_in_text(pd.concat([a.astype(object), b.astype(object)],
                                          ignore_index=True))
        if parsed is not None:
            tr[c] = parsed.iloc[:len(a)].set_axis(a.index)
            te[c] = parsed.iloc[len(a):].set_axis(b.index)
    return tr, te


def _check_column_kinds(tr, te):
    """Refuse a column that holds numbers in one split and text in the other (one stray
    "?" in a numeric column of a CSV): pooled, it became a categorical column of hundreds
    of values, and the near-duplicate search reported 41 phantom leaks (review14/a 14)."""
    import pandas as pd

    for c in tr.columns:
        a, b = tr[c], te[c]
        numbers = (a.dtype.kind in "iuf", b.dtype.kind in "iuf")
        if numbers[0] == numbers[1] or a.isna().all() or b.isna().all():
            continue
        side, text, other = ("test", b, "train") if numbers[0] else ("train", a, "test")
        if text.dtype.kind in "mMb" or isinstance(text.dtype, pd.CategoricalDtype):
            continue  # dates, booleans, categories: columns of their own kind
        bad = (pd.to_numeric(text, errors="coerce").isna() & text.notna()).to_numpy()
        if bad.any():
            shown = ", ".join(repr(v) for v in pd.unique(text[bad].astype(str))[:3])
            rows = ", ".join(str(i) for i in np.flatnonzero(bad)[:5])
            what = f"text in {side} ({int(bad.sum())} value(s) such as {shown}, at {side} rows {rows})"
        else:
            what = f"numbers written as text in {side}"
        raise ValueError(f"column {c!r} holds numbers in {other} but {what}: compared as "
                         "categories, it would make the duplicates and the drift meaningless. "
                         "Read those marks as missing values (pandas na_values=[...], "
                         "datareduce's --na-values) or convert the column in both splits.")


def _float32_columns(a, b, columns):
    """The ``columns`` held as float32 in ``a`` or in ``b``: compared at float32's
    precision by :func:`_row_hashes`."""
    return {c for c in columns if np.float32 in (getattr(a[c].dtype, "type", None),
                                                 getattr(b[c].dtype, "type", None))}


def _row_hashes(frame, single=()):
    """A hash of each row's values, the package's one rule for "the same row" in two
    tables (the split audit's exact duplicates, ``datareduce score``'s matching of REDUCED
    in FULL): numbers as float64 (an int column in one file and a float column in the
    other compare equal), everything else as text with one marker for any missing value
    (None, NaN, pd.NA). The columns ``single`` (float32 in either table) at float32's
    precision: a table written to CSV from float32 values ("0.6836862") reads back as other
    float64 values, and its copies of rows were only "near" duplicates (review14/a 13)."""
    import pandas as pd

    cols = {}
    for c in frame.columns:
        s = frame[c]
        if s.dtype.kind in "biuf":
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
            cols[str(c)] = v.astype(np.float32).astype(np.float64) if c in single else v
        else:
            cols[str(c)] = s.astype(object).where(s.notna(), "\x00<NA>").astype(str).to_numpy()
    return pd.util.hash_pandas_object(pd.DataFrame(cols), index=False).to_numpy()


def _feature_drift(pool, n_train, n_draws, rng, roles=None):
    """KS (numeric) or total variation (categorical) per feature, with random-split
    percentiles. ``roles``: ``_column_roles`` of the whole table when ``pool`` is a sample
    of it (a column's role is judged on every row)."""
    import pandas as pd
    from scipy.stats import ks_2samp

    from ..preprocessing import _column_roles, _seconds

    numeric, _, dates = _column_roles(pool) if roles is None else roles
    n = len(pool)
    perms = [rng.permutation(n) for _ in range(n_draws)]
    rows = []
    for c in pool.columns:
        s = pool[c]
        if c in numeric:
            if c in dates:  # seconds, NaT as NaN (not the smallest int64)
                s = _seconds(s)
            v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)

            def stat(order, v=v):
                a, b = v[order[:n_train]], v[order[n_train:]]
                a, b = a[~np.isnan(a)], b[~np.isnan(b)]
                return float(ks_2samp(a, b).statistic) if a.size and b.size else 0.0
            kind = "numeric (KS)"
        else:
            codes = pd.factorize(s.astype(object).where(s.notna(), "\x00<NA>"))[0]
            k = codes.max() + 1

            def stat(order, codes=codes, k=k):
                a = np.bincount(codes[order[:n_train]], minlength=k) / n_train
                b = np.bincount(codes[order[n_train:]], minlength=k) / (n - n_train)
                return float(0.5 * np.abs(a - b).sum())
            kind = "categorical (TV)"
        value = stat(np.arange(n))
        ref = np.array([stat(p) for p in perms])
        pct = 100.0 * (np.sum(ref > value) + 0.5 * np.sum(ref == value)) / ref.size
        rows.append((str(c), kind, value, float(pct)))
    return pd.DataFrame(rows, columns=["feature", "kind", "statistic", "percentile"])


def _near_duplicates(A_tr, A_te, threshold):
    """For each test row, its nearest training row if that is within ``threshold``
    (Euclidean): ``(train_row, distance)``, -1 and inf where no training row is that close.

    Exact (the same pairs and distances as an all-pairs search; of training rows equal in
    the space, the first), at about linear cost: the distinct training rows (equal rows
    collapsed, the first kept: a k-d tree slows to a crawl on many equal points) go into a
    :class:`scipy.spatial.cKDTree`, and each test row's nearest-neighbour search is cut off
    at the threshold, so it only visits the few cells within the threshold of it. 400,000
    training and 100,000 test rows, 16 features: about 1.5 s with the exact duplicates'
    hashing, where ``NearestNeighbors`` over every pair took 200 s (``docs/audit.md``).
    """
    import pandas as pd
    from scipy.spatial import cKDTree

    A_tr = np.ascontiguousarray(A_tr, dtype=np.float64) + 0.0  # -0.0 as 0.0
    h = pd.util.hash_pandas_object(pd.DataFrame(A_tr), index=False).to_numpy()
    _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    if not np.array_equal(A_tr, A_tr[first[inverse.ravel()]], equal_nan=True):
        # two distinct rows with the same 64-bit hash: compare the rows' bytes instead
        rows = A_tr.view(np.dtype((np.void, A_tr.dtype.itemsize * A_tr.shape[1]))).ravel()
        _, first = np.unique(rows, return_index=True)
    tree = cKDTree(A_tr[first], balanced_tree=False, compact_nodes=False)
    # cut off just above the threshold (the tree compares squared distances; a threshold
    # of 0 still finds equal rows), then keep the pairs within it
    dist, j = tree.query(np.asarray(A_te, dtype=np.float64), k=1,
                         distance_upper_bound=threshold * (1 + 1e-9) + 1e-12)
    within = dist <= threshold
    train_row = np.where(within, first[np.minimum(j, first.size - 1)], -1)
    return train_row, np.where(within, dist, np.inf)


def audit_split(train, test, y_train=None, y_test=None, *, target=None, groups_train=None,
                groups_test=None, group=None, space="standard",
                threshold: float = NEAR_THRESHOLD, metrics=DEFAULT_METRICS,
                n_draws: int = 30, max_rows: int | None = 1500, random_state=0,
                progress=None, max_split_rows: int | None = 20_000, task: str = "auto",
                n_bins: int = N_BINS) -> SplitAudit:
    """Audit a train/test split: representativeness, duplicate rows across it, group leakage.

    Parameters
    ----------
    train, test : DataFrame or array-like
        The two splits, with the same feature columns.
    y_train, y_test : array-like, optional
        Labels (per-class results and stratified random subsets). Or ``target``.
    target : str, optional
        Name of the label column of both DataFrames (then left out of the features).
    groups_train, groups_test : array-like, optional
        Group ids (group leakage). Or ``group``.
    group : str, optional
        Name of the group column of both DataFrames (left out of the features).
    space : str or transformer, default="standard"
        Selection space, fitted on both splits together (:func:`audit_space`).
    threshold : float, default=0.005
        Near-duplicate distance in the selection space (module docstring).
    metrics, n_draws, max_rows, random_state, progress, task, n_bins
        As in :func:`datareduce.metrics.audit_subset` (``task`` and ``n_bins``: what the
        labels are, and the quantile bins of a regression target, counted on both splits
        together).
    max_split_rows : int or None, default=20000
        Above this many rows in all, the representativeness (the test split against random
        splits) is measured on a seeded sample of this many rows, each split sampled in
        proportion: the test split's own terms of MMD and energy grow with the square of
        its rows (about 3 minutes on 200,000 rows), and a shift of the test split shows in
        a proportional sample as well. ``representativeness_rows`` says how many were used.
        The per-feature drift (a KS test or total variation per feature, for the split and
        each of ``n_draws`` random splits) uses the same sample, its percentiles calibrated
        among random splits of the sample. Duplicates, groups and classes always use every
        row. None: every row.

    Returns
    -------
    SplitAudit

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> train = rng.normal(size=(300, 3)); test = rng.normal(size=(100, 3))
    >>> test[:4] = train[:4]                       # four leaked rows
    >>> audit = audit_split(train, test, n_draws=5)
    >>> audit.n_exact, audit.n_near
    (4, 0)
    """
    import pandas as pd

    from .._core.validation import check_random_generator, is_dataframe
    from ..preprocessing import _column_roles

    t0 = time.perf_counter()
    timings = {}
    tr, te = _frame(train), _frame(test)
    for name, col in (("target", target), ("group", group)):
        if col is not None:
            if not (is_dataframe(train) and is_dataframe(test)):
                raise ValueError(f"{name}={col!r} names a column: pass DataFrames, or pass "
                                 f"the values ({'y_train/y_test' if name == 'target' else 'groups_train/groups_test'}).")
            for side, frame in (("train", tr), ("test", te)):
                if col not in frame.columns:
                    raise ValueError(f"{name} column {col!r} is not in {side}.")
    if target is not None:
        y_train, y_test = tr.pop(target).to_numpy(), te.pop(target).to_numpy()
    if group is not None:
        groups_train, groups_test = tr.pop(group).to_numpy(), te.pop(group).to_numpy()
    if list(tr.columns) != list(te.columns):
        if (is_dataframe(train) and is_dataframe(test) and tr.columns.is_unique
                and len(tr.columns) == len(te.columns)
                and set(tr.columns) == set(te.columns)):
            te = te[list(tr.columns)]  # the same columns in another order: matched by name
        else:
            differ = sorted(set(map(str, tr.columns)) ^ set(map(str, te.columns)))
            raise ValueError(
                f"train and test must have the same feature columns; they differ in: "
                f"{', '.join(differ[:10]) or 'their number'} (train has {len(tr.columns)}, "
                f"test {len(te.columns)}).")
    n_tr, n_te = len(tr), len(te)
    if n_tr < 2 or n_te < 1:
        raise ValueError(f"train has {n_tr} rows and test {n_te}: need at least 2 and 1.")
    if (y_train is None) != (y_test is None):
        raise ValueError("pass labels for both splits (y_train and y_test), or neither.")
    if not threshold >= 0:
        raise ValueError(f"threshold={threshold!r} must be a distance >= 0.")
    from .calibration import _check_rows

    max_split_rows = _check_rows(max_split_rows, "max_split_rows")
    tr, te = _same_instants(tr, te)
    _check_column_kinds(tr, te)
    pool = pd.concat([tr, te], ignore_index=True)
    rng = check_random_generator(random_state)

    t = time.perf_counter()
    A, _, described = audit_space(pool, space=space)
    y = None
    if y_train is not None:
        from .._core.validation import check_y

        # each split's missing labels named by their rows in that split (review14/a 01)
        for side, labels, rows in (("train", y_train, n_tr), ("test", y_test, n_te)):
            check_y(labels, rows, name=f"{side}[{target!r}]" if target is not None
                    else f"y_{side}")
        y = pd.Series(np.concatenate([np.asarray(y_train, dtype=object),
                                      np.asarray(y_test, dtype=object)])).infer_objects()
        y = y.to_numpy()
    labels, task = audit_labels(y, len(pool), task=task, n_bins=n_bins,
                                name="the labels of train and test")
    classes = None
    if task == "classification":
        ct = pd.Series(labels[:n_tr]).value_counts()
        cs = pd.Series(labels[n_tr:]).value_counts()
        names = ct.index.union(cs.index)
        classes = pd.DataFrame({"class": names,
                                "train_rows": ct.reindex(names, fill_value=0).to_numpy(),
                                "test_rows": cs.reindex(names, fill_value=0).to_numpy()})
    sample = np.arange(n_tr + n_te)
    if max_split_rows is not None and n_tr + n_te > max_split_rows:
        share = max_split_rows / (n_tr + n_te)
        sample = np.concatenate([
            np.sort(rng.choice(n_tr, max(2, round(share * n_tr)), replace=False)),
            n_tr + np.sort(rng.choice(n_te, max(1, round(share * n_te)), replace=False))])
    n_tr_used = int(np.sum(sample < n_tr))
    rep = audit_subset(A[sample], np.arange(n_tr_used, sample.size),
                       None if labels is None else labels[sample], space="passthrough",
                       metrics=metrics, n_draws=n_draws, max_rows=max_rows, random_state=rng,
                       progress=progress,
                       # the labels are final (classes, or a regression target's bins)
                       task="classification")
    rep.space = described
    rep.task = task  # its labels were the quantile bins of a regression target, or classes
    rep.roles = {"kept": "test", "dropped": "train", "subset": "test split",
                 "draws": "random splits", "full": "all rows"}
    timings["representativeness"] = time.perf_counter() - t

    t = time.perf_counter()
    single = _float32_columns(tr, te, tr.columns)
    h_tr, h_te = _row_hashes(tr, single), _row_hashes(te, single)
    first = pd.Series(np.arange(n_tr)).groupby(h_tr).first()
    exact_train = pd.Series(h_te).map(first).to_numpy(dtype=np.float64)
    nearest, dist = _near_duplicates(A[:n_tr], A[n_tr:], threshold)
    exact = ~np.isnan(exact_train)
    near = ~exact & (dist <= threshold)
    rows = np.flatnonzero(exact | near)
    duplicates = pd.DataFrame({
        "test_row": rows,
        "train_row": np.where(exact[rows], np.nan_to_num(exact_train[rows]).astype(int),
                              nearest[rows]),
        "distance": np.where(exact[rows], 0.0, dist[rows]),
        "exact": exact[rows]})
    timings["duplicates"] = time.perf_counter() - t

    groups = None
    if groups_train is not None or groups_test is not None:
        if groups_train is None or groups_test is None:
            raise ValueError("pass group ids for both splits, or neither.")
        gt, gs = pd.Series(np.asarray(groups_train)), pd.Series(np.asarray(groups_test))
        ct, cs = gt.value_counts(), gs.value_counts()
        both = ct.index.intersection(cs.index)
        groups = pd.DataFrame({"group": both, "train_rows": ct[both].to_numpy(),
                               "test_rows": cs[both].to_numpy()})
        groups = groups.sort_values("test_rows", ascending=False, ignore_index=True)

    t = time.perf_counter()
    roles = _column_roles(pool)
    if sample.size < len(pool):
        pool = pool.iloc[sample].reset_index(drop=True)
    features = _feature_drift(pool, n_tr_used, n_draws, rng, roles)
    timings["features"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return SplitAudit(n_tr, n_te, rep, features, duplicates, float(threshold), groups,
                      timings, classes, int(sample.size))
