"""The notebooks in notebooks/ run from top to bottom (they are committed without outputs)."""

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


def _execute(name, tmp_path):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=900, kernel_name="python3", allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}})
    env_backup = dict(os.environ)
    # the kernel's own inline backend draws figures into the outputs (not the tests' Agg)
    os.environ.pop("MPLBACKEND", None)
    os.environ.update(OMP_NUM_THREADS="1", MPLCONFIGDIR=str(tmp_path / "mpl"))
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    return nb


def _outputs_text(nb):
    text = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text.append(out.get("text", ""))
            text.extend(str(v) for v in out.get("data", {}).values())
    return "\n".join(text)


@pytest.mark.parametrize("name", ["tabular_audit.ipynb", "yolo_reduction.ipynb"])
def test_notebooks_are_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{name}: clear the outputs before committing (jupyter nbconvert "
                "--clear-output --inplace)")


@pytest.mark.slow
def test_tabular_audit(tmp_path):
    pytest.importorskip("matplotlib")
    nb = _execute("tabular_audit.ipynb", tmp_path)
    text = _outputs_text(nb)
    assert "(178, 13)" in text
    # the compare table and the plots were produced
    assert any("image/png" in out.get("data", {}) for c in nb.cells
               for out in c.get("outputs", []))
    assert list(tmp_path.iterdir()) in ([], [tmp_path / "mpl"])  # nothing else written


@pytest.mark.slow
@pytest.mark.detection
def test_yolo_reduction(tmp_path):
    for mod in ("ultralytics", "torch", "PIL", "yaml", "matplotlib"):
        if importlib.util.find_spec(mod) is None:
            pytest.skip(f"needs {mod} (the detection extra)")
    home_before = set((Path.home() / ".config").glob("*")) if (Path.home() / ".config").exists() \
        else set()
    nb = _execute("yolo_reduction.ipynb", tmp_path)
    text = _outputs_text(nb)
    assert "YOLO trained on" in text
    after = set((Path.home() / ".config").glob("*")) if (Path.home() / ".config").exists() \
        else set()
    assert after == home_before  # Ultralytics kept its settings in the notebook's folder
