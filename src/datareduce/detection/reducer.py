"""DetectionReducer: reduce a detection dataset with any registered reducer."""

from __future__ import annotations

import inspect
import math
import numbers
import re
import time
import warnings

import numpy as np

from .._core.validation import minmax_ranges
from .categories import image_categories
from .groups import group_quotas, resolve_groups
from .registry import get_embedder, with_threads
from .report import DetectionReport
from .writer import write_yolo_subset

__all__ = ["DetectionReducer"]


_NP_STR = re.compile(r"np\.str_\((['\"])(.*?)\1\)")


def _is_reducer(est) -> bool:
    from ..base import BaseReducer

    return isinstance(est, BaseReducer)


def _fit_plain_warnings(est, X, y) -> None:
    """``est.fit(X, y)``, re-issuing its warnings with plain category names (not np.str_)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # image categories are classes whatever their values (the one target rule would
        # read many integer category ids as a regression target)
        est.fit(X, y, **({"task": "classification"} if _is_reducer(est) and y is not None
                         else {}))
    for w in caught:
        msg = _NP_STR.sub(lambda m: repr(m.group(2)), str(w.message))
        msg = re.sub(r"rows for (\d+) classes: classes", r"images for \1 image categories: "
                     "categories", msg)
        msg = msg.replace("keep no rows", "keep no image").replace(
            "Increase keep to keep every class.", "Increase keep to keep every category.")
        warnings.warn(msg, w.category, stacklevel=3)


def check_keep_count(keep, n: int, where: str = "the dataset") -> None:
    """Refuse an integer ``keep`` above the ``n`` images of ``where``.

    Called before the embedding (the long part), by :class:`DetectionReducer` and by
    ``datareduce yolo``, which words the message with its flag.
    """
    if (isinstance(keep, numbers.Integral) and not isinstance(keep, (bool, np.bool_))
            and keep > n):
        raise ValueError(f"keep={keep} is more than the {n} images of {where}: pass at "
                         f"most {n}, or a fraction such as 0.3.")


def _farthest_order(X, members, first, q) -> np.ndarray:
    """``q - 1`` members after ``first``, each the farthest from those picked before it."""
    F = X[members]
    d = ((F - X[first]) ** 2).sum(axis=1)
    d[members == first] = -1.0
    picked = []
    for _ in range(q - 1):
        k = int(np.argmax(d))
        picked.append(members[k])
        d = np.minimum(d, ((F - F[k]) ** 2).sum(axis=1))
        d[k] = -1.0
    return np.asarray(picked, dtype=np.intp)


class DetectionReducer:
    """Reduce a detection dataset: embed images, categorise them, run a reducer, write.

    ``fit(dataset)`` embeds every image with ``embedder``, gives each image a category
    (``categories``) used as the reducer's ``y`` (stratification), and runs the reducer on
    the embeddings. ``write(out_dir)`` writes the kept images as a dataset ``yolo train``
    accepts (see :func:`~datareduce.detection.write_yolo_subset`) with a manifest.

    Parameters
    ----------
    reducer : str or BaseReducer, default="srs"
        A registered method name (see ``datareduce.available_reducers()``), ``"top"``
        (:class:`~datareduce.detection.TopScoreReducer`: keep the highest first column, e.g.
        with ``embedder="shape"``), or a reducer instance (cloned before fitting).
    keep : float or int, optional
        Fraction or number of images kept; passed to the reducer (default: the reducer's).
    embedder : str or embedder, default="thumbnail"
        ``"thumbnail"``, ``"label"``, ``"ultralytics"``, ``"crops"`` (per image and class
        box crops), ``"shape"`` (label-only shape-complexity score) or an embedder
        instance.
    categories : "auto", None, array-like or callable, default="auto"
        ``"auto"``: :func:`~datareduce.detection.image_categories`; None: no labels (no
        stratification); an array of one category per image; or ``f(dataset) -> array``.
    random_state : int, optional
        Seed passed to the reducer when it takes one.
    reducer_params : dict, optional
        More parameters of a named reducer. Unless given here, ``stratify=True`` is set for
        reducers that have it when categories are used.
    embedder_params : dict, optional
        Parameters of a named embedder.
    min_count : int or "auto", default="auto"
        Passed to :func:`~datareduce.detection.image_categories`; ``"auto"`` with a fraction
        ``keep`` merges mixed class combinations with fewer than ``max(2, 1% of the images,
        1 / keep)`` images (smaller ones could not keep an image of their own).
    dedup : "auto", "near", "exact", None or Deduplicator, default="auto"
        Remove duplicate images before selecting (see
        :class:`~datareduce.detection.Deduplicator`: one image per group of duplicates,
        chosen by its ``keep`` policy, and an optional cap per group such as a video).
        ``keep`` still counts images of the whole dataset: ``keep=0.25`` keeps
        ``round(0.25 * n_images)`` images chosen among the de-duplicated ones.
        ``"auto"`` (the default) removes near duplicates (``Deduplicator("near")``:
        perceptual hashes within 10 bits) and, when fewer distinct images remain than
        ``keep`` asks for, keeps every distinct image and lets the reducer choose the rest
        among the duplicates, so that the count is always the one asked for. It is the
        default because on video-like frames it beat random images by 6.8 points of
        mAP50 at keep 0.25 and 9.3 at keep 0.1 (5 seeds; ``docs/detection.md``), and it
        removes nothing from a dataset without near duplicates. ``"near"``/``"exact"``
        or a Deduplicator keep at most the de-duplicated images (with a warning when
        ``keep`` asks for more); None (or ``"none"``) skips de-duplication.
    groups : None, "auto", str, array-like or callable, default=None
        Groups of images that are one sequence (a video, a burst, a scene): a regex over
        file names (its first capture group names the group, e.g. ``r"^(.*)_frame\\d+"``),
        ``"auto"`` (chains of near-duplicate images,
        :func:`~datareduce.detection.groups.sequence_groups`), one label per image, or
        ``f(dataset) -> labels``. The selection then covers groups before repeating one:
        with a budget of at most one image per group, the reducer chooses among one
        representative per group (the image nearest its group's mean embedding, with
        that image's category as its stratum); with more, every group gets images by
        water filling (:func:`~datareduce.detection.groups.group_quotas`), the
        representative first and then the group's images farthest from those already
        kept (farthest-point order on the embeddings).
    epsilon_metric : str, default="chebyshev"
        Norm of the epsilon representativeness in the manifest.
    progress : bool, default=False
        Progress bars while embedding.
    n_jobs : int, default=1
        Threads reading images: the de-duplication's perceptual hashes (when ``dedup`` is a
        name) and, for an embedder given by name that reads images in threads
        (``"thumbnail"``) without its own ``n_jobs`` in ``embedder_params``, the embedding.

    Attributes
    ----------
    sample_indices_ : ndarray of int
        Positions of the kept images (in the reducer's selection order).
    kept_images_ : list of Path
        The kept images, in dataset order.
    embeddings_ : ndarray of shape (n_embedded, n_features)
        Embeddings of the images the reducer saw (all images, or those left by ``dedup``:
        ``embedded_indices_``).
    embedded_indices_ : ndarray of int
        Positions of the embedded images in the dataset.
    dedup_ : Deduplicator or None
        The fitted de-duplication.
    categories_ : ndarray of str or None
    reducer_ : BaseReducer
        The fitted reducer.
    report_ : DetectionReport
        Boxes and images per class, images per category, before and after.
    epsilon_ : EpsilonResult or None
        Epsilon representativeness of the kept embeddings (per category).
    groups_ : ndarray or None
        Group label of each image (with ``groups``).
    embed_time_, reduce_time_ : float
        Seconds spent embedding and reducing.

    Examples
    --------
    >>> import tempfile
    >>> from datareduce.detection import DetectionReducer, load_yolo, make_shapes_dataset
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     ds = load_yolo(make_shapes_dataset(f"{tmp}/src", n_train=30, n_val=4))
    ...     dr = DetectionReducer("srs", keep=0.3, embedder="label", random_state=0).fit(ds)
    ...     out_yaml = dr.write(f"{tmp}/out")
    ...     n_written = len(load_yolo(out_yaml))
    >>> len(dr.sample_indices_), n_written
    (9, 9)
    """

    def __init__(self, reducer="srs", *, keep=None, embedder="thumbnail", categories="auto",
                 random_state=None, reducer_params=None, embedder_params=None,
                 min_count="auto", dedup="auto", groups=None, epsilon_metric="chebyshev",
                 progress=False, n_jobs=1):
        self.reducer = reducer
        self.n_jobs = n_jobs
        self.keep = keep
        self.embedder = embedder
        self.categories = categories
        self.random_state = random_state
        self.reducer_params = reducer_params
        self.embedder_params = embedder_params
        self.min_count = min_count
        self.dedup = dedup
        self.groups = groups
        self.epsilon_metric = epsilon_metric
        self.progress = progress

    def __repr__(self) -> str:
        return (f"DetectionReducer(reducer={self.reducer!r}, keep={self.keep!r}, "
                f"embedder={self.embedder!r}, random_state={self.random_state!r})")

    # ------------------------------------------------------------------ pieces
    def _make_reducer(self, use_y: bool):
        from .._registry import reducer_class

        params = dict(self.reducer_params or {})
        if isinstance(self.reducer, str):
            if self.reducer == "top":
                from .objects import TopScoreReducer as cls
            else:
                cls = reducer_class(self.reducer)
            accepted = set(inspect.signature(cls.__init__).parameters) - {"self"}
            unknown = set(params) - accepted
            if unknown:
                raise ValueError(f"reducer_params {sorted(unknown)} are not parameters of "
                                 f"{self.reducer!r} (it takes {sorted(accepted)}).")
            if self.keep is not None:
                params["keep"] = self.keep
            if self.random_state is not None and "random_state" in accepted:
                params.setdefault("random_state", self.random_state)
            if use_y and "stratify" in accepted:
                params.setdefault("stratify", True)
            return cls(**params)
        if not hasattr(self.reducer, "fit") or not hasattr(self.reducer, "get_params"):
            raise TypeError(f"reducer={self.reducer!r}: pass a method name or a datareduce "
                            "reducer instance.")
        if params:
            raise ValueError("reducer_params are only accepted with a method name; set them on "
                             "the reducer instance.")
        from .._core.validation import seeded_clone

        return seeded_clone(self.reducer, self.random_state,
                            overwrite=self.random_state is not None,
                            **({} if self.keep is None else {"keep": self.keep}))

    def _categories(self, dataset):
        c = self.categories
        if c is None:
            return None
        if isinstance(c, str):
            if c != "auto":
                raise ValueError(f"categories={c!r}: use 'auto', None, an array of one category "
                                 "per image, or a function of the dataset.")
            min_count = self.min_count
            keep = self.keep
            if (min_count == "auto" and isinstance(keep, numbers.Real)
                    and not isinstance(keep, (numbers.Integral, np.bool_)) and 0 < keep <= 1):
                # a combination smaller than 1 / keep images would get no image of its own
                min_count = max(2, math.ceil(0.01 * len(dataset)), math.ceil(1 / float(keep)))
            return image_categories(dataset, min_count=min_count)
        if callable(c):
            c = c(dataset)
        arr = np.asarray(c)
        if arr.shape != (len(dataset),):
            raise ValueError(f"categories has shape {arr.shape}: pass one category per image "
                             f"({len(dataset)}).")
        return arr

    # --------------------------------------------------------------------- fit
    def fit(self, dataset, embeddings=None):
        """Embed (unless ``embeddings`` are given), categorise and reduce ``dataset``.

        Parameters
        ----------
        dataset : DetectionDataset
        embeddings : ndarray of shape (n_images, n_features), optional
            Precomputed embeddings (the embedder is then not used).

        Returns
        -------
        self
        """
        if len(dataset) == 0:
            raise ValueError("the dataset has no images.")
        # build (and so check) the reducer before the costly embedding
        est = self._make_reducer(use_y=self.categories is not None)
        if hasattr(est, "_validate_params") and hasattr(est, "_parameter_constraints"):
            # scikit-learn's constraints, which fit checks too: a bad value is refused
            # before the embedding (a user's estimator may declare none)
            est._validate_params()
        dedup = self._make_dedup()
        self._jobs()  # a bad n_jobs refused before any image is read
        if isinstance(self.groups, str) and self.groups != "auto":
            from .groups import compile_group_regex

            compile_group_regex(self.groups, argument="groups")  # before the embedding
        n = len(dataset)
        # now, not after the embedding (or never, with groups)
        check_keep_count(est.get_params().get("keep"), n)
        if embeddings is not None:
            embeddings = np.asarray(embeddings, dtype=np.float64)
            if embeddings.ndim != 2 or embeddings.shape[0] != n:
                raise ValueError(f"embeddings has shape {embeddings.shape}: pass one row per "
                                 f"image ({n}, n_features).")
        auto = isinstance(self.dedup, str) and self.dedup == "auto"
        want = None  # images kept, counted on the whole dataset
        if dedup is not None:
            from .._core.validation import check_keep

            want = check_keep(est.get_params()["keep"], n)
            if auto and want >= n:  # everything is kept: nothing to de-duplicate
                dedup, want = None, None
        embedder = None  # the manifest says "precomputed" when embeddings are given
        if embeddings is None:
            embedder = get_embedder(self.embedder, **with_threads(
                self.embedder, dict(self.embedder_params or {}), self._jobs()))
        t0 = time.perf_counter()
        if dedup is not None and dedup.method == "embedding" and embeddings is None:
            embeddings = embedder.embed(dataset, progress=self.progress)
        self.embed_time_ = time.perf_counter() - t0
        t0 = time.perf_counter()
        first = np.empty(0, dtype=np.intp)  # images kept before the reducer chooses
        self.dedup_skipped_ = None
        if dedup is not None:
            try:
                dedup.fit(dataset, embeddings=embeddings)
            except (OSError, ImportError) as exc:
                if not auto:  # asked for explicitly: the error stands
                    raise
                # "auto" is best effort: select without it, and say why
                self.dedup_skipped_ = str(exc)  # (the message says how to fix it)
                warnings.warn(f"dedup='auto' skipped: {exc}; pass dedup=None to select "
                              "without de-duplication quietly.", UserWarning, stacklevel=2)
                dedup = None
        if dedup is not None:
            pos = np.flatnonzero(dedup.keep_mask_)
            if want > len(pos) and auto:
                # every distinct image, and the rest of the budget among the duplicates
                first, pos = pos, np.flatnonzero(~dedup.keep_mask_)
                want -= len(first)
            elif want > len(pos):
                warnings.warn(f"keep asks for {want} images but {len(pos)} remain after "
                              f"de-duplication: keeping all {len(pos)}.", UserWarning,
                              stacklevel=2)
                want = len(pos)
            est.set_params(keep=int(want))
        else:
            pos = np.arange(n)
        self.dedup_time_ = time.perf_counter() - t0
        t0 = time.perf_counter()
        seen = np.sort(np.concatenate([first, pos]))  # the images embedded
        if embeddings is None:
            emb = embedder.embed(dataset if len(seen) == n else dataset.subset(seen),
                                 progress=self.progress)
            if len(seen) == n:
                X_all = emb
            else:  # rows of images never embedded stay zero and are never read
                X_all = np.zeros((n, emb.shape[1]))
                X_all[seen] = emb
        else:
            X_all = embeddings
        X = X_all[pos]
        self.embed_time_ += time.perf_counter() - t0
        y_all = self._categories(dataset)
        y = None if y_all is None else y_all[pos]
        t0 = time.perf_counter()
        self.groups_ = None
        with warnings.catch_warnings():
            if len(first):  # the distinct images already cover every category and group
                warnings.filterwarnings("ignore", message="keep allows")
            if self.groups is not None:
                # groups="auto" are the near-duplicate groups dedup="auto"/"near" just found,
                # and the groups of a cap (--max-per-group) are these groups again
                self.groups_ = None
                if dedup is not None and isinstance(self.groups, str):
                    if isinstance(dedup.groups, str) and dedup.groups == self.groups:
                        self.groups_ = dedup.group_labels_
                    if self.groups_ is None and self.groups == "auto":
                        self.groups_ = dedup._auto_groups()
                if self.groups_ is None:
                    self.groups_ = resolve_groups(dataset, self.groups, argument="groups",
                                                  embeddings=embeddings)
                est_idx = self._select_by_groups(est, X, y, self.groups_[pos], n)
            else:
                _fit_plain_warnings(est, X, y)
                est_idx = np.asarray(est.sample_indices_, dtype=np.intp)
        self.reduce_time_ = time.perf_counter() - t0
        self.dedup_ = dedup
        idx = np.concatenate([first, pos[est_idx]]).astype(np.intp)
        self.reducer_ = est
        self.embedder_ = embedder
        self.dataset_ = dataset
        self.embedded_indices_ = seen
        self.embeddings_ = X_all[seen]
        self.categories_ = y_all
        self.sample_indices_ = idx
        self.kept_images_ = [dataset.images[i] for i in np.sort(idx)]
        self.report_ = DetectionReport.from_selection(
            dataset, idx, y_all,
            deduplicated=None if dedup is None else np.flatnonzero(~dedup.keep_mask_))
        self.epsilon_ = self._epsilon(self.embeddings_, np.searchsorted(seen, idx),
                                      None if y_all is None else y_all[seen])
        lost = self.report_.lost_classes
        if lost:
            stratified = y is not None and hasattr(est, "class_quotas_")  # per-category quotas ran
            advice = (
                "its images are all in mixed categories or in categories whose quota went to "
                "other images: increase keep, or pass categories of your own that give the "
                "class a stratum (e.g. by the presence of that class)"
                if stratified else
                "increase keep, or stratify by image categories (categories='auto' with a "
                "reducer that has stratify) so that every class keeps images of its own")
            warnings.warn(
                f"the reduction keeps no box of class(es) {', '.join(map(str, lost))}: {advice}.",
                UserWarning, stacklevel=2,
            )
        return self

    def _select_by_groups(self, est, X, y, labels, n_all):
        """Positions (rows of X) kept when groups are covered before one is repeated."""
        from .._core.validation import check_keep

        keep = check_keep(est.get_params()["keep"])  # an int count or a float fraction
        want = keep if isinstance(keep, int) else check_keep(keep, n_all)
        want = int(min(want, len(X)))
        uniq, inverse = np.unique(labels.astype(str), return_inverse=True)
        # each group's positions in order from one sort (a scan of every image per group was
        # 0.35 s at 20,000 groups, review12/a)
        order = np.argsort(inverse, kind="stable")
        members = np.split(order, np.cumsum(np.bincount(inverse, minlength=len(uniq)))[:-1])
        reps = np.empty(len(uniq), dtype=np.intp)
        for g, m in enumerate(members):  # the member nearest its group's mean
            reps[g] = m[np.argmin(((X[m] - X[m].mean(axis=0)) ** 2).sum(axis=1))]
        est.set_params(keep=int(min(want, len(reps))))
        _fit_plain_warnings(est, X[reps], None if y is None else y[reps])
        chosen = reps[np.asarray(est.sample_indices_, dtype=np.intp)]
        if want <= len(reps):
            return chosen
        quotas = group_quotas([len(m) for m in members], want, random_state=self.random_state)
        extra = [_farthest_order(X, m, r, q) for m, r, q in zip(members, reps, quotas,
                                                                  strict=True) if q > 1]
        return np.concatenate([chosen, *extra]).astype(np.intp)

    def _jobs(self) -> int:
        n = getattr(self, "n_jobs", 1)
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"n_jobs={n!r}: pass an integer >= 1 (threads reading images).")
        return int(n)

    def _make_dedup(self):
        from .duplicates import Deduplicator

        d = self.dedup
        if d is None or d is False or (isinstance(d, str) and d == "none"):
            return None
        if isinstance(d, str):
            if d not in ("auto", "exact", "near"):
                raise ValueError(f"dedup={d!r}: use 'auto', 'near', 'exact', None or a "
                                 "Deduplicator.")
            return Deduplicator("near" if d == "auto" else d, n_jobs=self._jobs())
        if isinstance(d, Deduplicator):
            from copy import deepcopy

            return deepcopy(d)
        raise ValueError(f"dedup={d!r}: use 'auto', 'near', 'exact', None or a Deduplicator.")

    def _epsilon(self, X, idx, y):
        from ..metrics import epsilon_representativeness

        # as the reference: features min-max scaled to [0, 1] before measuring
        lo, span = minmax_ranges(X)
        Xs = (X - lo) / span
        try:
            return epsilon_representativeness(
                Xs, Xs[idx], y, None if y is None else y[idx], metric=self.epsilon_metric)
        except ValueError as exc:
            warnings.warn(f"epsilon representativeness not computed: {exc}", UserWarning,
                          stacklevel=3)
            return None

    # ------------------------------------------------------------------- write
    def _check_fitted(self):
        if not hasattr(self, "sample_indices_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("This DetectionReducer is not fitted yet: call fit(dataset).")

    def manifest(self) -> dict:
        """What the reduction did, JSON-ready: method, parameters, seed, embedder, timing,
        boxes and images per class and category before/after, and epsilon (on the min-max
        scaled embeddings, per category)."""
        self._check_fitted()
        eps = self.epsilon_
        return {
            "method": self.reducer if isinstance(self.reducer, str) else type(self.reducer_).__name__,
            "reducer_class": type(self.reducer_).__name__,
            "reducer_params": self.reducer_.get_params(),
            "keep": self.keep if self.keep is not None else self.reducer_.get_params().get("keep"),
            "random_state": self.random_state,
            "embedder": "precomputed" if self.embedder_ is None else (
                self.embedder_.describe() if hasattr(self.embedder_, "describe")
                else repr(self.embedder_)),
            "embedding_dim": int(self.embeddings_.shape[1]),
            "embed_time_s": self.embed_time_,
            "dedup": ({"method": "auto", "skipped": self.dedup_skipped_}
                      if self.dedup_skipped_ else None)
            if self.dedup_ is None else {
                **self.dedup_.to_dict(self.dataset_),
                # dedup="auto" with keep above the distinct images: removed ones kept again
                "refilled": int((~self.dedup_.keep_mask_[self.sample_indices_]).sum())},
            "dedup_time_s": self.dedup_time_,
            "groups": None if self.groups_ is None else {
                "source": self.groups if isinstance(self.groups, str) else "user",
                "n_groups": int(len(np.unique(self.groups_.astype(str)))),
                "n_groups_kept": int(len(np.unique(self.groups_[self.sample_indices_]
                                                   .astype(str))))},
            "reduce_time_s": self.reduce_time_,
            "categories": "none" if self.categories_ is None else (
                self.categories if isinstance(self.categories, str) else "user"),
            "epsilon": None if eps is None else {
                "value": float(eps.value), "metric": getattr(eps, "metric", self.epsilon_metric),
                "scaling": "min-max of the embeddings",
                "per_class": {str(k): float(v) for k, v in (getattr(eps, "per_class", None)
                                                             or {}).items()},
            },
            "report": self.report_.to_dict(),
        }

    def write(self, out_dir, *, layout: str = "symlink", overwrite: bool = False):
        """Write the kept images as a dataset ``yolo train`` accepts; returns its data YAML.

        Parameters
        ----------
        out_dir : str or Path
            Output folder: created, must be empty (or a previous datareduce output with
            ``overwrite=True``) and outside the source dataset.
        layout : {"symlink", "copy", "list"}, default="symlink"
            See :func:`~datareduce.detection.write_yolo_subset`: ``symlink`` and ``copy``
            keep everything (including Ultralytics' label caches) inside ``out_dir``;
            ``list`` writes only a list of source paths.
        overwrite : bool, default=False
            Replace a previous datareduce output.

        Returns
        -------
        Path
        """
        self._check_fitted()
        return write_yolo_subset(self.dataset_, self.sample_indices_, out_dir, layout=layout,
                                 overwrite=overwrite, manifest=self.manifest())
