"""The lead's mends of the eighth session (8 December): one refusal of a repeated kept value
for every caller, one rounding of the training split."""

from __future__ import annotations

import numpy as np
import pytest

from datareduce._core.validation import check_keeps
from datareduce.cli import main
from datareduce.evaluation.protocol import check_counts_fit, training_rows


@pytest.mark.parametrize("keeps", [[0.1, 0.1], [5, 0.2, 5], (0.3, 0.2, 0.30)])
def test_check_keeps_refuses_a_repeated_value(keeps):
    with pytest.raises(ValueError, match=r"keeps: .* is given twice .* give distinct values"):
        check_keeps(keeps)
    assert check_keeps(keeps, distinct=False) == [*keeps]


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", "--keep", "0.1", "0.10"],
        ["demo", "--methods", "srs", "--keep", "3", "3"],
        ["search", "--keeps", "0.2", "0.20"],
    ],
)
def test_every_command_words_the_repeat_alike(argv, tmp_path, capsys):
    # compare and search refuse before reading the table: the file need not exist
    extra = {
        "compare": [str(tmp_path / "t.csv"), "--target", "y"],
        "search": [str(tmp_path / "t.csv"), "--target", "y"],
    }.get(argv[0], [])
    assert main(argv[:1] + extra + argv[1:] + ["-q"]) == 2
    err = capsys.readouterr().err
    assert "is given twice" in err and "give distinct values" in err, err


def test_the_search_still_merges_repeated_fractions():
    from datareduce.search._base import check_fractions

    assert check_fractions([0.2, 0.1, 0.2]) == [0.1, 0.2]


@pytest.mark.parametrize("n, test_size", [(1797, 0.25), (10, 0.3), (100, 30), (7, 0.5)])
def test_training_rows_is_scikit_learns_split(n, test_size):
    from sklearn.model_selection import train_test_split

    train, _ = train_test_split(np.arange(n), test_size=test_size, random_state=0)
    assert training_rows(n, test_size) == len(train)


def test_training_rows_leaves_bad_test_sizes_to_scikit_learn():
    assert training_rows(10, 1.5) is None and training_rows(10, True) is None
    assert training_rows(10, 10) is None and training_rows(10, "a") is None
    check_counts_fit([10_000], 10, 1.5)  # no refusal of its own: the splitter names it
    with pytest.raises(ValueError, match="more than the training split"):
        check_counts_fit([8], 10, 0.3)
