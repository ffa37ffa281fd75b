"""The README's Python examples run as written (in order, sharing one namespace)."""

import re
import warnings
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 3
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    assert namespace["X_small"].shape == (180, 64)
    assert namespace["grid"].best_params_["clustercentroidsreducer__keep"] in (0.05, 0.1, 0.3)
