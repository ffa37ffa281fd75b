import atexit
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

# Keep BLAS from oversubscribing the 2 cores when tests run next to other work.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# Nothing lands in the user's home: importing ultralytics creates its settings folder,
# matplotlib its cache and IPython kernels a profile, so all point into a temporary folder.
_SCRATCH = tempfile.mkdtemp(prefix="datareduce-tests-")
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
os.environ.setdefault("YOLO_CONFIG_DIR", os.path.join(_SCRATCH, "ultralytics"))
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("MPLCONFIGDIR", os.path.join(_SCRATCH, "matplotlib"))
os.environ.setdefault("IPYTHONDIR", os.path.join(_SCRATCH, "ipython"))  # notebook kernels
os.environ.setdefault("JUPYTER_RUNTIME_DIR", os.path.join(_SCRATCH, "jupyter-runtime"))


@pytest.fixture
def blobs():
    """Small 3-class data with unequal class sizes (30 / 20 / 10 rows, 4 features)."""
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0, 0, 0], [5, 5, 0, 0], [0, 5, 5, 5]], dtype=float)
    sizes = [30, 20, 10]
    X = np.vstack([rng.normal(c, 1.0, size=(s, 4)) for c, s in zip(centers, sizes, strict=True)])
    y = np.repeat([0, 1, 2], sizes)
    return X, y


@pytest.fixture(scope="session")
def _ultralytics_font():
    """A TTF font where Ultralytics looks for Arial (``Arial.ttf`` and
    ``Ultralytics/Arial.ttf`` of its config folder), so it never tries to download one: put
    in ``YOLO_CONFIG_DIR``; returns the function that puts it in another config folder (a
    subprocess's)."""

    def put(cfg):
        import matplotlib

        cfg = Path(cfg)
        (cfg / "Ultralytics").mkdir(parents=True, exist_ok=True)
        font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        for target in (cfg / "Arial.ttf", cfg / "Ultralytics" / "Arial.ttf"):
            if not target.exists():
                shutil.copy(font, target)

    put(os.environ["YOLO_CONFIG_DIR"])
    return put
