"""Per-epoch dynamic data pruning (plain numpy): the pruner's bookkeeping.

A :class:`DynamicPruner` decides, at the start of each epoch, which training rows are
used and with which loss weight, from running statistics of the per-sample losses it is
told about through :meth:`DynamicPruner.update`. This module keeps those statistics, the
epoch plans and sizes and the checkpoint state; the selection rules themselves live in
:mod:`._policies` and the argument checks in :mod:`._checks`.
"""

from __future__ import annotations

import hashlib
import math
import warnings

import numpy as np

from .._core.validation import check_keep
from ._checks import check_indices, check_int, check_real, seed_entropy, to_numpy
from ._policies import DEFAULT_DELTA, DEFAULT_EMA, POLICIES, plan_group, rs2_advance

__all__ = ["DynamicPruner", "POLICIES"]

# spawn-key tag of the groups' tie-break order in the budget rotation
_TIE_TAG = 0x544945


def group_shares(sizes, k):
    """Rows per pruned epoch of each group, on average: ``(base, num, den)``.

    Group ``g``'s share is ``base[g] + num[g] / den`` (exact integers; the shares sum to
    ``k``): proportional to the group's size, except that when ``k`` is at least the number
    of groups the groups whose proportional share is below one row get exactly one, and the
    other groups share the rest of ``k`` in proportion to their sizes.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    raised = np.zeros(sizes.size, dtype=bool)
    if k >= sizes.size:
        while True:
            rest = int(k) - int(raised.sum())
            total = int(sizes[~raised].sum())
            low = ~raised & (rest * sizes < total)
            if not low.any():
                break
            raised |= low
    rest = int(k) - int(raised.sum())
    den = max(int(sizes[~raised].sum()), 1)
    scaled = np.where(raised, 0, rest * sizes)
    base = np.where(raised, 1, scaled // den).astype(np.int64)
    num = np.where(raised, 0, scaled % den).astype(np.int64)
    return base, num, den


def _check_missing_groups(g):
    """Refuse missing group labels (NaN; NaT in dates; None, NaN or pd.NA in a text or
    object column)."""
    if g.dtype.kind == "f":
        missing, what = np.flatnonzero(np.isnan(g)), "NaN"
    elif g.dtype.kind in "mM":
        missing, what = np.flatnonzero(np.isnat(g)), "NaT"
    elif g.dtype.kind == "O":
        import pandas as pd

        missing, what = np.flatnonzero(pd.isna(g)), "None or NaN"
    else:
        return
    if missing.size:
        raise ValueError(
            f"groups has {missing.size} missing value{'s' if missing.size > 1 else ''} "
            f"({what}), at rows {missing[:5].tolist()}{' ...' if missing.size > 5 else ''}: "
            "give every row a group label."
        )


def _check_float_groups(g, labels):
    """Refuse float group labels with non-whole values (a continuous target)."""
    if not np.all(labels == np.round(labels)):
        raise ValueError(
            f"groups holds continuous numbers ({labels.size} distinct values, e.g. "
            f"{float(labels[0]):g}): every value would be its own group, so the groups would be "
            "single rows rather than classes. For a regression target pass its quantile "
            "bins, groups=datareduce.base.quantile_strata(y)[0] (fit_dynamic(..., "
            "stratify=True) does this), or groups=None."
        )


def _plain(value):
    """``value`` (an int, a sequence of ints, a numpy array or a torch tensor) as a
    Python int or a list of Python ints: the types ``torch.load(weights_only=True)``
    accepts."""
    value = to_numpy(value)
    return int(value) if value.ndim == 0 else [int(v) for v in value.ravel()]


def count_steps(rows, batch_size, drop_last, *, epoch=None, n_epochs=None):
    """Optimizer steps of ``epoch``, or of epochs ``0 .. n_epochs - 1`` when ``epoch`` is
    None, where ``rows(e)`` is the number of rows trained in epoch ``e``: the one count of
    :meth:`DynamicPruner.steps_per_epoch` / :meth:`~DynamicPruner.total_steps` (rows: the
    plan's) and of ``PrunedSampler``'s (rows: its rank's share). Warns when ``drop_last``
    leaves an epoch with rows no step; refuses a total without ``n_epochs``."""
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if epoch is None and n_epochs is None:
        raise ValueError(
            "total_steps needs the planned number of epochs: create the pruner with n_epochs=..."
        )
    epochs = [epoch] if epoch is not None else range(n_epochs)
    sizes = {e: rows(e) for e in epochs}
    steps = {e: n // batch_size if drop_last else -(-n // batch_size) for e, n in sizes.items()}
    empty = [e for e in epochs if steps[e] == 0 and sizes[e] > 0]
    if empty and drop_last:
        e = empty[0]
        which = (
            f"epoch {e} has 0 steps: its {sizes[e]} rows are"
            if epoch is not None
            else f"{len(empty)} of the {n_epochs} epochs (e.g. epoch {e}, {sizes[e]} rows) "
            "have 0 steps: their rows are"
        )
        warnings.warn(
            f"{which} fewer than batch_size={batch_size} and drop_last=True drops them, so "
            f"{'the epoch trains' if len(empty) == 1 else 'those epochs train'} nothing; "
            "lower the batch size, raise keep, or use drop_last=False.",
            UserWarning,
            stacklevel=3,
        )
    return sum(steps.values())

class DynamicPruner:
    """Choose the training rows of every epoch from running per-sample loss statistics.

    Dynamic pruning (Raju, Daruwalla and Lipasti 2021, arXiv 2111.12621; Qin et al.,
    InfoBatch, ICLR 2024) trains each epoch on a subset of the rows, chosen anew every
    epoch. Each epoch: call :meth:`indices` for the rows to train on, train with the
    per-sample losses multiplied by :meth:`weights`, and report those losses with
    :meth:`update`.

    Policies (``K`` is the number of rows set by ``keep``):

    - ``"uniform"``: a fresh uniform random subset of ``K`` rows each epoch.
    - ``"rs2"``: repeated random sampling without replacement (Okanovic et al., ICLR 2024):
      the pruned epochs are grouped in rounds of ``R = ceil(n / K)`` epochs; each round
      draws one random permutation of the rows and each epoch takes the next ``K`` rows of
      it, so no row is used twice before every row was used once. The last epoch of a
      round takes the rows left (``n - (R - 1) K``) and tops them up to ``K`` with rows
      drawn at random from those used earlier in the round. Every row is used once per
      round (exactly once when ``K`` divides ``n``; otherwise ``R K - n`` rows twice); no
      loss is needed.
    - ``"epsilon_greedy"``: the score is an exponential moving average (EMA) of the row's
      loss; keep the ``K - round(eps * K)`` highest-scored rows plus ``round(eps * K)``
      rows drawn uniformly from the rest.
    - ``"ucb"``: the score is EMA mean + ``c`` * EMA standard deviation of the loss; keep
      the ``K`` highest.
    - ``"infobatch"``: rows whose score is below the mean score are "well learned"; a
      random ``round((1 - r) * n_wl)`` of those ``n_wl`` rows is kept (at least one) with
      weight ``n_wl / n_kept`` (``1 / (1 - r)`` when ``(1 - r) * n_wl`` is whole), every
      other row is kept with weight 1. The weight is the inverse of the inclusion
      probability, so the expected weighted loss sum equals the full-data loss sum. Epochs
      from ``stop_epoch`` (by default ``round(delta * n_epochs)``) on use every row with
      weight 1 (annealing). The number of rows kept varies with the losses.

    Rows never seen by :meth:`update` rank above every seen row (they are picked first by
    the top-K policies and never count as well learned), unless ``initial_score`` is set.
    Epochs before ``start_epoch`` and from ``stop_epoch`` on use every row with weight 1.

    Class-aware budgets (``groups``): every policy then runs inside each group (a class, or
    an image category of a detection set) separately. The fixed-size policies give group
    ``g`` a share ``s_g`` of the ``K`` rows of every pruned epoch proportional to its size
    (when ``K`` is at least the number of groups, a group whose proportional share is below
    one row gets exactly one and the others share the rest): ``group_shares_``. An epoch
    gives group ``g`` ``floor(s_g)`` or ``ceil(s_g)`` rows (:meth:`epoch_budgets`): the
    leftover rows of an epoch go to the groups that are furthest behind their share over
    the epochs so far, so they rotate, and after ``t`` pruned epochs every group has had
    ``t * s_g`` rows, within about one row. A rare class therefore keeps its share of every
    epoch instead of being crowded out by a loss ranking or left out by chance, and with
    more groups than ``K`` every group still takes its turn. ``"rs2"`` cycles through each
    group's own permutation (a group's round ends with the epoch that takes its last unused
    rows, topped up as above), so no row of a group is used twice before every row of the
    group was used once; ``"epsilon_greedy"`` explores ``round(eps * K)`` rows in all,
    allotted across the groups in proportion to their budgets (fractions by turns, as the
    leftover rows); ``"infobatch"`` calls a row well learned when its score is below
    its own group's mean score.

    Parameters
    ----------
    n_samples : int >= 1
        Number of training rows.
    keep : float in (0, 1] or int >= 1, default=0.5
        Rows used per pruned epoch by the fixed-size policies: a fraction (``round(keep * n)``
        rows) or a count. For ``"infobatch"`` it sets ``r = 1 - keep`` when ``r`` is None.
    policy : {"uniform", "rs2", "epsilon_greedy", "ucb", "infobatch"}, default="uniform"
        Selection rule (see above).
    groups : array-like of shape (n_samples,) or None, default=None
        Group label of every row (class labels, image categories, any hashable values) for
        class-aware budgets (see above). None treats all rows as one group. Continuous
        numbers (floats that are not whole numbers, e.g. a regression target) are refused:
        every value would be its own group; pass their quantile bins
        (``datareduce.base.quantile_strata(y)[0]``), as ``fit_dynamic(..., stratify=True)``
        does.
    ema : float in (0, 1] or None, default=None
        Weight of the newest loss in the moving average: ``s <- (1 - ema) * s + ema * loss``.
        None means 1.0 for ``"infobatch"`` (the reference code scores a row by its latest
        loss) and 0.5 for the other policies (our choice; see docs/dynamic.md).
    eps : float in [0, 1], default=0.1
        ``"epsilon_greedy"`` only: fraction of the ``K`` rows drawn uniformly at random;
        ``eps=0`` is pure top-K by score, ``eps=1`` is uniform.
    c : float >= 0, default=1.0
        ``"ucb"`` only: weight of the EMA standard deviation in the score.
    r : float in [0, 1) or None, default=None
        ``"infobatch"`` only: fraction of the well-learned rows dropped (InfoBatch's
        ``prune_ratio``, 0.5 in the reference code). None means ``1 - keep``.
    delta : float in (0, 1] or None, default=None
        Pruning stops at ``stop_epoch = round(delta * n_epochs)`` when ``stop_epoch`` is not
        given. None means 0.875 for ``"infobatch"`` (the reference default: the last 12.5% of
        epochs use all rows) and 1.0 (never stop) for the others.
    n_epochs : int >= 1 or None, default=None
        Planned number of epochs. Needed by ``delta < 1`` and :meth:`total_steps`;
        :meth:`indices` refuses epochs ``>= n_epochs`` when it is set.
    start_epoch : int >= 0, default=0
        Epochs before it use every row with weight 1 (warm-up; their losses are recorded).
    stop_epoch : int or None, default=None
        First epoch that uses every row again; None derives it from ``delta``.
    initial_score : float or None, default=None
        Score of rows never seen. None ranks them above every seen row.
    random_state : None, int, numpy Generator or RandomState, default=None
        Seed. An epoch's random draws depend only on the seed, the epoch number and the
        scores, so the same seed and losses give the same subsets.

    Attributes
    ----------
    groups_ : ndarray of shape (n_groups,)
        The distinct group labels (one group, ``[0]``, when ``groups`` is None).
    group_shares_ : ndarray of float64, shape (n_groups,)
        Rows of each group per pruned epoch of the fixed-size policies, on average over the
        epochs (sums to ``K``); :meth:`epoch_budgets` gives one epoch's whole numbers.
    scores_ : ndarray of shape (n_samples,)
        EMA of each row's loss (NaN for rows never seen).
    variances_ : ndarray of shape (n_samples,)
        Exponentially weighted variance of each row's loss (0 after one observation).
    n_seen_ : ndarray of shape (n_samples,)
        How many losses each row has reported.
    epoch_sizes_ : dict
        Rows planned for each epoch planned so far; ``sum(epoch_sizes_.values())`` is the
        number of sample-steps of one pass over each planned epoch.
    stop_epoch_ : int or None
        The resolved first non-pruned epoch after the pruning phase (None: never).

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce.dynamic import DynamicPruner
    >>> pruner = DynamicPruner(10, keep=0.3, policy="epsilon_greedy", eps=0.0, random_state=0)
    >>> pruner.update(np.arange(10), np.arange(10.0))   # losses 0, 1, ..., 9
    >>> pruner.indices(epoch=0).tolist()                  # pure top-3 by loss
    [7, 8, 9]
    >>> pruner.weights([7, 8, 9]).tolist()
    [1.0, 1.0, 1.0]
    >>> ib = DynamicPruner(8, policy="infobatch", r=0.5, n_epochs=8, random_state=0)
    >>> ib.update(np.arange(8), [0.1, 0.1, 0.1, 0.1, 2.0, 2.0, 2.0, 2.0])
    >>> kept = ib.indices(epoch=0)
    >>> len(kept), ib.weights(kept).sum()   # 4 hard rows + 2 of 4 easy rows (weight 2 each)
    (6, np.float64(8.0))
    >>> len(ib.indices(epoch=7))              # last 12.5% of epochs: every row
    8
    >>> rs2 = DynamicPruner(6, keep=0.5, policy="rs2", random_state=0)
    >>> sorted(rs2.indices(0).tolist() + rs2.indices(1).tolist())   # one round: every row once
    [0, 1, 2, 3, 4, 5]
    >>> y = np.array([0] * 18 + [1] * 2)                            # class 1 is rare
    >>> ca = DynamicPruner(20, keep=0.25, policy="ucb", groups=y, random_state=0)
    >>> ca.group_shares_.tolist(), int((y[ca.indices(0)] == 1).sum())
    ([4.0, 1.0], 1)
    """

    def __init__(
        self,
        n_samples,
        keep=0.5,
        policy="uniform",
        *,
        groups=None,
        ema=None,
        eps=0.1,
        c=1.0,
        r=None,
        delta=None,
        n_epochs=None,
        start_epoch=0,
        stop_epoch=None,
        initial_score=None,
        random_state=None,
    ):
        self.n_samples = check_int(n_samples, "n_samples", minimum=1)
        if policy not in POLICIES:
            raise ValueError(f"policy={policy!r} is unknown: pick one of {', '.join(POLICIES)}.")
        self.policy = policy
        self.keep = keep
        self.n_keep = check_keep(keep, self.n_samples)
        self.ema = check_real(
            DEFAULT_EMA[policy] if ema is None else ema, "ema", low=0.0, high=1.0, low_open=True,
            hint="It is the weight of the newest loss in the moving average.",
        )
        self.eps = check_real(eps, "eps", low=0.0, high=1.0)
        self.c = check_real(c, "c", low=0.0, high=math.inf, high_open=True)
        if r is None:
            r = 1.0 - self.n_keep / self.n_samples
        self.r = check_real(
            r, "r", low=0.0, high=1.0, high_open=True,
            hint="r is the fraction of well-learned rows dropped; r=1 would drop them all.",
        )
        self.delta = check_real(
            DEFAULT_DELTA[policy] if delta is None else delta, "delta", low=0.0, high=1.0,
            low_open=True,
        )
        self.n_epochs = check_int(n_epochs, "n_epochs", minimum=1, allow_none=True)
        self.start_epoch = check_int(start_epoch, "start_epoch", minimum=0)
        self.stop_epoch = check_int(stop_epoch, "stop_epoch", minimum=1, allow_none=True)
        if initial_score is not None:
            initial_score = check_real(
                initial_score, "initial_score", low=-math.inf, high=math.inf,
                low_open=True, high_open=True,
            )
        self.initial_score = initial_score
        self.random_state = random_state
        if self.n_epochs is not None and self.start_epoch >= self.n_epochs:
            raise ValueError(
                f"start_epoch={self.start_epoch} leaves no pruned epoch in n_epochs="
                f"{self.n_epochs} (epochs count from 0): pass start_epoch < n_epochs, or "
                "train for more epochs."
            )
        self.stop_epoch_ = self._resolve_stop_epoch()
        self._entropy = seed_entropy(random_state)
        self.groups = groups
        self._set_groups(groups)

        self.scores_ = np.full(self.n_samples, np.nan)
        self.variances_ = np.zeros(self.n_samples)
        self.n_seen_ = np.zeros(self.n_samples, dtype=np.int64)
        self._mark = np.zeros(self.n_samples, dtype=np.int64)
        self.epoch_sizes_ = {}
        self._weights = np.ones(self.n_samples)
        self._plan_epoch = None
        self._plan = None
        self._preview = None  # (epoch, size) of a plan computed aside, until the next update

    # ------------------------------------------------------------------ set-up helpers
    def _resolve_stop_epoch(self):
        if self.stop_epoch is not None:
            if self.stop_epoch <= self.start_epoch:
                raise ValueError(
                    f"stop_epoch={self.stop_epoch} must be larger than start_epoch="
                    f"{self.start_epoch}, or None."
                )
            if self.n_epochs is not None and self.stop_epoch > self.n_epochs:
                raise ValueError(
                    f"stop_epoch={self.stop_epoch} is after the last epoch (n_epochs="
                    f"{self.n_epochs}); pass at most n_epochs."
                )
            return self.stop_epoch
        if self.delta < 1.0:
            if self.n_epochs is None:
                raise ValueError(
                    f"delta={self.delta} stops pruning at delta * n_epochs, but n_epochs is "
                    "None: pass n_epochs (the planned number of epochs), or delta=1.0."
                )
            return max(self.start_epoch + 1, int(math.floor(self.delta * self.n_epochs + 0.5)))
        return self.n_epochs

    def _set_groups(self, groups):
        n = self.n_samples
        if groups is None:
            self.groups_ = np.array([0])
            codes = np.zeros(n, dtype=np.int64)
        else:
            g = to_numpy(groups)
            if g.ndim != 1 or g.shape[0] != n:
                raise ValueError(
                    f"groups has shape {np.shape(g)} but the pruner has n_samples={n}: pass one "
                    "group label (class or image category) per row."
                )
            _check_missing_groups(g)  # before np.unique: None cannot be sorted with text
            try:
                self.groups_, codes = np.unique(g, return_inverse=True)
            except TypeError as exc:
                raise TypeError(
                    "groups must hold labels of one sortable type (ints or strings); got mixed "
                    f"types ({exc})."
                ) from exc
            codes = codes.reshape(-1).astype(np.int64)
            if g.dtype.kind == "f":
                _check_float_groups(g, self.groups_)
        # which rows share a group, for checkpoints (the labels themselves need not hash)
        self._group_digest = hashlib.sha256(codes.tobytes()).hexdigest()[:16]
        order = np.argsort(codes, kind="stable")
        sizes = np.bincount(codes, minlength=self.groups_.size)
        self._members = np.split(order, np.cumsum(sizes)[:-1])
        self._sizes = sizes
        self._base, self._num, self._den = group_shares(sizes, self.n_keep)
        self.group_shares_ = self._base + self._num / self._den
        self._reset_rotation()

    def _reset_rotation(self):
        """Restart the budget rotation (and RS2's group streams) at the first pruned epoch."""
        n_groups = self._sizes.size
        self._credit = np.zeros(n_groups, dtype=np.int64)
        self._rs2_round = np.zeros(n_groups, dtype=np.int64)
        self._rs2_pos = np.zeros(n_groups, dtype=np.int64)
        self._xcredit = np.zeros(n_groups, dtype=np.int64)
        self._next_t = 0
        self._budget_cache = None
        tie_rng = np.random.default_rng(np.random.SeedSequence(self._entropy,
                                                               spawn_key=(_TIE_TAG,)))
        self._tie = tie_rng.permutation(n_groups)

    def _budgets(self, t):
        """``(budgets, rs2 rounds, rs2 positions, explore)`` of the ``t``-th pruned epoch.

        The epochs are played forward from the first pruned epoch (cached, so planning
        epochs in order costs one step each): every epoch adds each group's fractional share
        to its credit and gives the leftover rows to the groups of largest credit (ties in a
        seeded order), which pay one row of credit each. ``explore`` (epsilon-greedy) splits
        the epoch's ``round(eps * K)`` exploratory rows across the groups the same way, in
        proportion to their budgets of the epoch.
        """
        if self._budget_cache is not None and self._budget_cache[0] == t:
            return self._budget_cache[1:]
        if t < self._next_t:
            self._reset_rotation()
        leftover = self.n_keep - int(self._base.sum())
        while self._next_t <= t:
            budgets = self._base.copy()
            if leftover:
                self._credit += self._num
                cand = np.flatnonzero(self._num > 0)
                order = cand[np.lexsort((self._tie[cand], -self._credit[cand]))][:leftover]
                budgets[order] += 1
                self._credit[order] -= self._den
            rounds, positions = self._rs2_round.copy(), self._rs2_pos.copy()
            explore = self._allot_exploration(budgets)
            if self.policy == "rs2":
                for g in np.flatnonzero(budgets):
                    self._rs2_round[g], self._rs2_pos[g] = rs2_advance(
                        int(self._sizes[g]), int(budgets[g]), int(rounds[g]), int(positions[g]))
            self._next_t += 1
        self._budget_cache = (t, budgets, rounds, positions, explore)
        return budgets, rounds, positions, explore

    def _allot_exploration(self, budgets):
        """Exploratory rows of each group in an epoch with these budgets (epsilon-greedy).

        ``round(eps * K)`` rows in all; group ``g``'s share is ``round(eps * K) * b_g / K``,
        its whole part each epoch and the fractions by turns (the group owed most after its
        whole part first, as the budgets' leftover rows), never more than ``b_g``: exactly
        ``round(eps * K)`` in every epoch. One group: ``round(eps * K)``.
        """
        if self.policy != "epsilon_greedy":
            return np.zeros(budgets.size, dtype=np.int64)
        k = int(budgets.sum())
        total = int(math.floor(self.eps * k + 0.5))
        if k == 0 or total == 0:
            return np.zeros(budgets.size, dtype=np.int64)
        self._xcredit += total * budgets  # in units of 1 / k row
        explore = np.minimum(np.maximum(self._xcredit, 0) // k, budgets)
        rest = total - int(explore.sum())
        # the whole parts can fall short (groups capped at their budget) or overshoot (the
        # credits clipped at 0): the rows left go by turns to the groups owed most after
        # their whole parts, the excess is taken back from those owed least
        while rest:
            owed = self._xcredit - explore * k
            if rest > 0:
                cand = np.flatnonzero(explore < budgets)
                cand = cand[np.lexsort((self._tie[cand], -owed[cand]))][:rest]
                explore[cand] += 1
            else:
                cand = np.flatnonzero(explore > 0)
                cand = cand[np.lexsort((self._tie[cand], owed[cand]))][:-rest]
                explore[cand] -= 1
            rest = total - int(explore.sum())
        self._xcredit -= explore * k
        return explore

    def _follow_n_epochs(self, n_epochs):
        """Re-plan for a run whose number of epochs changed during training.

        Ultralytics' ``time=`` re-estimates the number of epochs after every epoch. The
        annealing derived from ``delta`` moves with the new last epoch (``stop_epoch_ =
        round(delta * n_epochs)``, at least ``start_epoch + 1``); an explicit ``stop_epoch``
        is kept (pruning then stops at it, or at the new end if that comes first). Plans
        already made (``epoch_sizes_``) stay. Returns True when ``n_epochs`` changed.
        """
        n_epochs = check_int(n_epochs, "n_epochs", minimum=1)
        if n_epochs == self.n_epochs:
            return False
        self.n_epochs = n_epochs
        if self.stop_epoch is not None:
            self.stop_epoch_ = self.stop_epoch
        else:
            self.stop_epoch_ = self._resolve_stop_epoch()
        self._preview = None
        return True

    def _epoch_rng(self, epoch):
        return np.random.default_rng(np.random.SeedSequence(self._entropy, spawn_key=(epoch,)))

    def _check_epoch(self, epoch):
        epoch = check_int(epoch, "epoch", minimum=0)
        if self.n_epochs is not None and epoch >= self.n_epochs:
            raise ValueError(
                f"epoch={epoch} is past the planned epochs (n_epochs={self.n_epochs}, epochs "
                "count from 0): raise n_epochs."
            )
        return epoch

    # ------------------------------------------------------------------ public API
    def is_pruning_epoch(self, epoch):
        """Whether ``epoch`` trains on a subset (False during warm-up and annealing).

        Parameters
        ----------
        epoch : int >= 0
            The epoch asked about (epochs count from 0).

        Returns
        -------
        bool
            True when ``epoch`` is in the pruning phase.

        Examples
        --------
        >>> from datareduce.dynamic import DynamicPruner
        >>> p = DynamicPruner(100, policy="infobatch", n_epochs=8, start_epoch=1)
        >>> [p.is_pruning_epoch(e) for e in range(8)]
        [False, True, True, True, True, True, True, False]
        """
        epoch = self._check_epoch(epoch)
        if epoch < self.start_epoch:
            return False
        return self.stop_epoch_ is None or epoch < self.stop_epoch_

    def indices(self, epoch):
        """Rows to train on in ``epoch`` (sorted; shuffle them for training).

        The plan of an epoch is made the first time it is asked for and then fixed: asking
        again for the same epoch returns the same rows even after :meth:`update`. It also
        sets the weights returned by :meth:`weights`.

        Parameters
        ----------
        epoch : int >= 0
            The epoch to plan, counted from 0.

        Returns
        -------
        ndarray of int64
            Sorted row positions, without repeats.

        Examples
        --------
        >>> from datareduce.dynamic import DynamicPruner
        >>> p = DynamicPruner(10, keep=0.4, random_state=0)
        >>> len(p.indices(0)), bool((p.indices(0) == p.indices(0)).all())
        (4, True)
        """
        epoch = self._check_epoch(epoch)
        if self._plan_epoch == epoch:
            return self._plan.copy()
        idx, weights = self._make_plan(epoch)
        self._weights = weights
        self._plan_epoch, self._plan = epoch, idx
        self.epoch_sizes_[epoch] = int(idx.size)
        self._preview = None
        return idx.copy()

    def _make_plan(self, epoch):
        """``(rows, weights)`` of ``epoch`` from the current scores, without making it the
        current plan (deterministic: the same scores give the same plan)."""
        n = self.n_samples
        rng = self._epoch_rng(epoch)
        weights = np.zeros(n)
        if not self.is_pruning_epoch(epoch):
            idx = np.arange(n)
        else:
            if self.policy == "infobatch":
                budgets = rounds = positions = explore = np.zeros(self._sizes.size,
                                                                  dtype=np.int64)
            else:
                budgets, rounds, positions, explore = self._budgets(epoch - self.start_epoch)
            parts = []
            for g, rows in enumerate(self._members):
                part = plan_group(self, g, rows, int(budgets[g]), weights, rng,
                                  (int(rounds[g]), int(positions[g])), int(explore[g]))
                if part is not None:
                    parts.append(part)
            idx = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        idx = np.sort(np.asarray(idx, dtype=np.int64))
        if self.policy != "infobatch" or not self.is_pruning_epoch(epoch):
            weights[idx] = 1.0
        return idx, weights

    def _size_without_planning(self, epoch):
        """Rows ``epoch`` trains on, leaving the current plan (and its weights) in place.

        An InfoBatch pruned epoch not planned yet is planned aside from the current scores
        (cached until the next :meth:`update`); :meth:`indices` gives the same rows as long
        as no loss is reported in between.
        """
        epoch = self._check_epoch(epoch)
        if self._plan_epoch == epoch:
            return int(self._plan.size)
        if not self.is_pruning_epoch(epoch) or self.policy != "infobatch":
            return self.epoch_size(epoch)
        if self._preview is None or self._preview[0] != epoch:
            self._preview = (epoch, int(self._make_plan(epoch)[0].size))
        return self._preview[1]

    def epoch_budgets(self, epoch):
        """Rows of each group (in the order of ``groups_``) that ``epoch`` trains on.

        For a pruned epoch of a fixed-size policy these are whole numbers summing to ``K``,
        each the floor or the ceiling of the group's ``group_shares_`` (see the class-aware
        budgets above); an epoch that uses every row gives the group sizes.

        Parameters
        ----------
        epoch : int >= 0
            The epoch asked about, counted from 0.

        Returns
        -------
        ndarray of int64, shape (n_groups,)

        Examples
        --------
        >>> import numpy as np
        >>> from datareduce.dynamic import DynamicPruner
        >>> p = DynamicPruner(9, keep=2, groups=[0, 0, 0, 1, 1, 1, 2, 2, 2], random_state=0)
        >>> p.group_shares_.round(3).tolist()
        [0.667, 0.667, 0.667]
        >>> np.sum([p.epoch_budgets(e) for e in range(3)], axis=0).tolist()   # turns rotate
        [2, 2, 2]
        """
        epoch = self._check_epoch(epoch)
        if not self.is_pruning_epoch(epoch):
            return self._sizes.copy()
        if self.policy == "infobatch":
            raise ValueError(
                "InfoBatch has no per-group budgets: the rows it keeps depend on the losses; "
                "count them in indices(epoch)."
            )
        return self._budgets(epoch - self.start_epoch)[0].copy()

    def weights(self, indices):
        """Loss weights of ``indices`` in the epoch planned last by :meth:`indices`.

        A row used in that epoch has weight 1 (or ``n_wl / n_kept`` for an InfoBatch row
        kept from the well-learned group); a row not used has weight 0. Before any plan
        every weight is 1. Multiply the per-sample losses by these weights before averaging.

        Parameters
        ----------
        indices : array-like of int (or a torch tensor)
            Row positions, e.g. the rows of the current mini-batch.

        Returns
        -------
        ndarray of float64, same length as ``indices``

        Examples
        --------
        >>> from datareduce.dynamic import DynamicPruner
        >>> p = DynamicPruner(6, keep=0.5, random_state=1)
        >>> used = p.indices(0)
        >>> float(p.weights(used).sum()), float(p.weights(range(6)).sum())
        (3.0, 3.0)
        """
        idx = check_indices(indices, self.n_samples)
        return self._weights[idx].copy()

    def update(self, indices, losses):
        """Record the per-sample losses of ``indices`` (the rows just trained on).

        The score moves by ``s <- (1 - ema) * s + ema * loss`` (the first loss of a row sets
        it), and the variance by the matching exponentially weighted rule. Any rows may be
        scored, including rows outside the current plan (e.g. from an evaluation pass). If
        a row appears twice, its last loss counts.

        Parameters
        ----------
        indices : array-like of int (or a torch tensor)
            Row positions.
        losses : array-like of float (or a torch tensor), same length
            Unweighted per-sample losses (``reduction="none"``), finite.

        Returns
        -------
        None

        Examples
        --------
        >>> from datareduce.dynamic import DynamicPruner
        >>> p = DynamicPruner(3, policy="ucb", ema=0.5)
        >>> p.update([0], [2.0]); p.update([0], [4.0])
        >>> float(p.scores_[0]), float(p.variances_[0])
        (3.0, 1.0)
        """
        idx = check_indices(indices, self.n_samples)
        loss = to_numpy(losses)
        if loss.ndim != 1:
            loss = loss.reshape(-1) if loss.size == idx.size else loss
        if loss.ndim != 1 or loss.shape[0] != idx.shape[0]:
            raise ValueError(
                f"losses has shape {np.shape(loss)} but indices has {idx.shape[0]} rows: pass "
                "one unreduced loss per row (e.g. loss_fn(..., reduction='none'))."
            )
        try:
            loss = loss.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError("losses must be numeric.") from exc
        if not np.isfinite(loss).all():
            bad = np.flatnonzero(~np.isfinite(loss))
            raise ValueError(
                f"losses contains {bad.size} NaN or infinite value{'s' if bad.size > 1 else ''}"
                f", at rows {idx[bad[:5]].tolist()}{' ...' if bad.size > 5 else ''} (the "
                "row positions given in indices): the training diverged or a loss is "
                "undefined; fix the loss (e.g. clip probabilities) before calling update."
            )
        if idx.size == 0:
            return
        # keep the last occurrence of each row (numpy assigns repeated indices in order)
        order = np.arange(idx.size)
        self._mark[idx] = order
        last = self._mark[idx] == order
        if not last.all():
            idx, loss = idx[last], loss[last]
        first = self.n_seen_[idx] == 0
        a = self.ema
        old = self.scores_[idx]
        diff = loss - np.where(first, loss, old)
        new_mean = np.where(first, loss, old + a * diff)
        new_var = np.where(first, 0.0, (1.0 - a) * (self.variances_[idx] + a * diff**2))
        self.scores_[idx] = new_mean
        self.variances_[idx] = new_var
        self.n_seen_[idx] += 1
        self._preview = None

    def epoch_size(self, epoch):
        """Number of rows ``epoch`` trains on.

        Exact before training for the fixed-size policies and for non-pruned epochs. An
        InfoBatch pruned epoch's size depends on the losses, so it is known only once the
        epoch is planned (after :meth:`indices` was called for it), or sized by
        ``len(PrunedSampler)`` with no loss reported since.

        Parameters
        ----------
        epoch : int >= 0
            The epoch whose size is asked for, counted from 0.

        Returns
        -------
        int
            Rows planned for ``epoch``.

        Examples
        --------
        >>> from datareduce.dynamic import DynamicPruner
        >>> p = DynamicPruner(1000, keep=0.3, start_epoch=1)
        >>> p.epoch_size(0), p.epoch_size(1)
        (1000, 300)
        """
        epoch = self._check_epoch(epoch)
        if self._preview is not None and self._preview[0] == epoch:
            return self._preview[1]  # sized by len(PrunedSampler) since the last update
        if epoch in self.epoch_sizes_:
            return self.epoch_sizes_[epoch]
        if not self.is_pruning_epoch(epoch):
            return self.n_samples
        if self.policy == "infobatch":
            raise ValueError(
                f"the size of InfoBatch epoch {epoch} depends on the losses seen until then: "
                "call indices(epoch) first, or drive the learning-rate schedule by training "
                "progress (see docs/dynamic.md, 'Learning-rate schedules')."
            )
        return self.n_keep

    def steps_per_epoch(self, batch_size, epoch, *, drop_last=False):
        """Optimizer steps (mini-batches) of ``epoch`` for a given batch size.

        Parameters
        ----------
        batch_size : int >= 1
            Mini-batch size of the DataLoader.
        epoch : int >= 0
            The epoch counted, from 0.
        drop_last : bool, default=False
            As in ``torch.utils.data.DataLoader``: a last incomplete batch is not a step.

        Returns
        -------
        int
            ``ceil(epoch_size(epoch) / batch_size)`` (floor with ``drop_last``). Warns when
            ``drop_last`` leaves an epoch with rows no step (fewer rows than ``batch_size``).

        Examples
        --------
        >>> from datareduce.dynamic import DynamicPruner
        >>> DynamicPruner(1000, keep=0.3).steps_per_epoch(64, epoch=0)
        5
        """
        return count_steps(self.epoch_size, batch_size, drop_last, epoch=epoch)

    def total_steps(self, batch_size, *, drop_last=False):
        """Optimizer steps over all ``n_epochs`` epochs, e.g. for ``OneCycleLR(total_steps=...)``.

        Counts the smaller pruned epochs, which a schedule built from
        ``len(full_loader) * n_epochs`` would not. Not available for InfoBatch while its
        epoch sizes are unknown (see :meth:`epoch_size`). It counts the whole plan: under
        DDP, where each rank trains its share, use ``PrunedSampler.total_steps``.

        Parameters
        ----------
        batch_size : int >= 1
            Mini-batch size of the DataLoader, as in :meth:`steps_per_epoch`.
        drop_last : bool, default=False
            Whether a last incomplete batch is dropped, as in :meth:`steps_per_epoch`.

        Returns
        -------
        int
            The sum of :meth:`steps_per_epoch` over epochs ``0 .. n_epochs - 1``.

        Examples
        --------
        >>> from datareduce.dynamic import DynamicPruner
        >>> p = DynamicPruner(1000, keep=0.5, n_epochs=10, start_epoch=2)
        >>> p.total_steps(100)   # 2 full epochs of 10 steps + 8 epochs of 5 steps
        60
        """
        return count_steps(self.epoch_size, batch_size, drop_last, n_epochs=self.n_epochs)

    def state_dict(self):
        """The pruner's running state, for checkpoints (plain Python lists, ints and str).

        Restore it with :meth:`load_state_dict` on a pruner created with the same
        parameters; training then continues with the same scores and random draws.
        The state holds only built-in Python types, so a checkpoint that contains it
        loads with ``torch.load(path)`` under its default ``weights_only=True``.
        It is the state at an epoch boundary: save it after the last ``update`` of an
        epoch; a state saved in the middle of an epoch makes the resumed run plan that
        epoch again from the partly updated scores (other rows and weights).

        Returns
        -------
        dict
            Keys ``n_samples``, ``policy``, ``entropy``, ``scores``, ``variances``,
            ``n_seen``, ``epoch_sizes`` and ``settings`` (the rows kept per epoch, the
            policy's parameters and a digest of the groups, checked on loading).

        Examples
        --------
        >>> from datareduce.dynamic import DynamicPruner
        >>> a = DynamicPruner(5, policy="ucb", random_state=3)
        >>> a.update([0, 1], [1.0, 2.0])
        >>> b = DynamicPruner(5, policy="ucb", random_state=3)
        >>> b.load_state_dict(a.state_dict())
        >>> bool((a.indices(1) == b.indices(1)).all()), b.n_seen_.tolist()
        (True, [1, 1, 0, 0, 0])
        """
        return {
            "n_samples": int(self.n_samples),
            "policy": str(self.policy),
            "entropy": _plain(self._entropy),
            "scores": self.scores_.tolist(),
            "variances": self.variances_.tolist(),
            "n_seen": self.n_seen_.tolist(),
            "epoch_sizes": {int(k): int(v) for k, v in self.epoch_sizes_.items()},
            "settings": self._settings(),
        }

    def _settings(self):
        """What a resumed run must share with the saved one besides the policy and the rows
        (``n_epochs`` may move: Ultralytics' ``time=``)."""
        return {"n_keep": int(self.n_keep), "ema": float(self.ema), "eps": float(self.eps),
                "c": float(self.c), "r": float(self.r), "delta": float(self.delta),
                "start_epoch": int(self.start_epoch),
                "stop_epoch": None if self.stop_epoch is None else int(self.stop_epoch),
                "groups": self._group_digest}

    def load_state_dict(self, state):
        """Restore the state saved by :meth:`state_dict` (see there).

        Parameters
        ----------
        state : dict
            As returned by :meth:`state_dict` (lists, numpy arrays or torch tensors are
            accepted for ``scores``, ``variances`` and ``n_seen``, so checkpoints of
            earlier versions, which held numpy arrays, still load).

        Returns
        -------
        None
        """
        if int(state["n_samples"]) != self.n_samples:
            raise ValueError(
                f"the saved pruner state has n_samples={state['n_samples']} but this pruner has "
                f"{self.n_samples}: the training set changed since the checkpoint."
            )
        if str(state["policy"]) != self.policy:
            raise ValueError(
                f"the saved pruner state is for policy={state['policy']!r}, not "
                f"{self.policy!r}: create the pruner with the checkpoint's policy."
            )
        saved = state.get("settings")  # absent from checkpoints of earlier versions
        if saved is not None:
            mine = self._settings()
            differ = [k for k in mine if k in saved and saved[k] != mine[k]]
            if differ:
                said = "; ".join(
                    "the groups (another partition of the rows)" if k == "groups"
                    else f"{k}={saved[k]!r} (this pruner: {mine[k]!r})" for k in differ)
                raise ValueError(
                    f"the saved pruner state was made with other settings: {said}. Create "
                    "the pruner with the checkpoint's keep, groups and policy parameters: "
                    "resuming with others replays the saved budgets and scores wrongly."
                )
        self._entropy = _plain(state["entropy"])
        self._reset_rotation()
        self.scores_ = np.array(to_numpy(state["scores"]), dtype=np.float64)
        self.variances_ = np.array(to_numpy(state["variances"]), dtype=np.float64)
        self.n_seen_ = np.array(to_numpy(state["n_seen"]), dtype=np.int64)
        self.epoch_sizes_ = {int(k): int(v) for k, v in dict(state["epoch_sizes"]).items()}
        self._plan_epoch, self._plan = None, None
        self._preview = None
        self._weights = np.ones(self.n_samples)

    def __repr__(self):
        return (
            f"DynamicPruner(n_samples={self.n_samples}, keep={self.keep!r}, "
            f"policy={self.policy!r}, groups={'None' if self.groups is None else '...'}, "
            f"ema={self.ema}, eps={self.eps}, c={self.c}, r={self.r}, "
            f"delta={self.delta}, n_epochs={self.n_epochs}, start_epoch={self.start_epoch}, "
            f"stop_epoch={self.stop_epoch})"
        )
