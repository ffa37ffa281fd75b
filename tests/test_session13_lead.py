"""The lead's mends of session 13 (2026-12-07, second session of the day)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datareduce.cli import main
from datareduce.cli.search import cli_words


def test_search_cli_words_put_library_arguments_in_option_names():
    assert cli_words("ReductionSearchCV: no reduction found within tolerance=0.01 (x)") == (
        "no reduction found within --tolerance 0.01 (x)")
    assert cli_words("scoring='roc_auc_ovr' cannot score; use scoring='f1_macro'.") == (
        "--scoring roc_auc_ovr cannot score; use --scoring f1_macro.")
    said = cli_words("the validation folds are sampled to max_val_rows=20000 rows, and these "
                     "classes are too rare; raise max_val_rows, or leave such classes out")
    assert "max_val_rows" not in said and "sampled to 20000 rows each" in said
    # a Python object after '=' is not an option's value: left as it is
    assert cli_words("cv=KFold(n_splits=3) does not") == "cv=KFold(n_splits=3) does not"
    assert cli_words("n_bins=5 bins") == "--bins 5 bins"


def test_search_cli_warning_in_option_names(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df["y"] = np.where(X[:, 0] + rng.normal(scale=0.8, size=300) > 0, "p", "q")
    df.to_csv(tmp_path / "t.csv", index=False)
    code = main(["search", str(tmp_path / "t.csv"), "--target", "y", "--keeps", "0.1",
                 "--methods", "srs", "--tolerance", "0", "--budget", "none"])
    err = capsys.readouterr().err
    assert code == 0
    assert "no reduction found within --tolerance 0.0" in err, err
    assert "ReductionSearchCV" not in err and "tolerance=" not in err


def test_yolo_cli_message_is_the_library_refusal_in_flag_words():
    from datareduce.cli.yolo import cli_words as yolo_words
    from datareduce.detection.reducer import check_keep_count

    with pytest.raises(ValueError) as info:
        check_keep_count(500, 12, "the 'train' split")
    assert yolo_words(str(info.value)).startswith(
        "--keep 500 is more than the 12 images of the 'train' split: pass at most 12")
    check_keep_count(12, 12)  # every image: fine
    check_keep_count(0.5, 12)  # a fraction: fine
    check_keep_count(True, 1)  # a bool is not a count (refused elsewhere)
