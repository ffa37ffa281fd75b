"""The documentation builds without warnings, and every docstring example runs.

``mkdocs build --strict`` fails on any warning: a broken link or anchor, a page left out
of the nav, a nav entry without a page, or a docstring problem reported by mkdocstrings.
The doctests of every module of the package run here (modules whose optional dependency
is not installed are skipped), so the examples in the API reference cannot rot.
"""

import doctest
import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "datareduce"

# modules that need an optional extra: module-name prefix -> the import it needs
OPTIONAL = {
    "datareduce.reducers.flow": "torch",
    "datareduce.dynamic.sampler": "torch",
    "datareduce.reducers.kt": "goodpoints",
}


def _module_names():
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts))
    return names


def _mkdocs():
    exe = Path(sys.executable).with_name("mkdocs")
    if exe.exists():
        return [str(exe)]
    if shutil.which("mkdocs"):
        return ["mkdocs"]
    return None


@pytest.mark.skipif(importlib.util.find_spec("mkdocstrings") is None or _mkdocs() is None,
                    reason="needs mkdocs and mkdocstrings[python] (the dev extra)")
def test_docs_build_strict(tmp_path):
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [*_mkdocs(), "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
         "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{log[-8000:]}"
    assert "WARNING" not in log, log[-8000:]
    assert (tmp_path / "site" / "api" / "index.html").exists()
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    # the API reference is generated from the docstrings
    for name in ("datareduce.evaluation.compare", "datareduce.base.BaseReducer",
                 "datareduce.metrics.epsilon_representativeness"):
        assert f'id="{name}"' in api, name


def test_every_nav_page_exists_and_every_page_is_in_nav():
    yaml = pytest.importorskip("yaml")
    cfg = yaml.safe_load((ROOT / "mkdocs.yml").read_text())

    def pages(items):
        for item in items:
            for value in item.values() if isinstance(item, dict) else [item]:
                if isinstance(value, list):
                    yield from pages(value)
                else:
                    yield value

    nav = list(pages(cfg["nav"]))
    missing = [p for p in nav if not (ROOT / "docs" / p).is_file()]
    assert not missing, f"pages listed in mkdocs.yml nav but not written: {missing}"
    on_disk = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    assert on_disk <= set(nav), f"pages missing from the nav: {sorted(on_disk - set(nav))}"


@pytest.mark.parametrize("module_name", _module_names())
def test_doctests(module_name, tmp_path, monkeypatch):
    for prefix, dep in OPTIONAL.items():
        if module_name.startswith(prefix) and importlib.util.find_spec(dep) is None:
            pytest.skip(f"{module_name} needs {dep}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        missing = getattr(exc, "name", None) or ""
        if missing.split(".")[0] in {"torch", "zuko", "ultralytics", "matplotlib", "PIL",
                                     "yaml", "dask", "codecarbon", "pyarrow", "gtda"}:
            pytest.skip(f"{module_name} needs {missing}")
        raise
    monkeypatch.chdir(tmp_path)  # examples that write files write here
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = [t for t in finder.find(module, module_name) if t.examples]
    if not tests:
        pytest.skip("no examples")
    failures = []
    for test in tests:
        sub = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        out = []
        sub.run(test, out=out.append)
        if sub.failures:
            failures.append("".join(out))
    assert not failures, "\n".join(failures)
    try:
        import matplotlib.pyplot as plt

        plt.close("all")
    except ImportError:
        pass


# pages whose ``>>>`` examples are run (the other pages' code is covered by their own tests)
DOC_PAGES = ["index.md", "guide.md", "evaluation.md"]


@pytest.mark.parametrize("page", DOC_PAGES)
def test_doc_page_examples(page, tmp_path, monkeypatch):
    path = ROOT / "docs" / page
    if not path.exists():
        pytest.fail(f"docs/{page} is missing")
    monkeypatch.chdir(tmp_path)
    import re
    import warnings

    # the ```pycon blocks of the page, run in order in one namespace
    blocks = re.findall(r"^```pycon\n(.*?)^```", path.read_text(), flags=re.M | re.S)
    if not blocks:
        pytest.skip(f"docs/{page} has no examples")
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, page, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runner.run(test, out=out.append)
    assert runner.failures == 0, "".join(out)


def test_audit_page_quotes_the_numbers_its_figures_script_prints():
    """docs/audit.md quotes percentiles and radii that `python docs_hooks/figures.py
    --numbers` prints; they had drifted after the audit's random stream changed (80% quoted,
    67% printed; 0.66 quoted, 0.63 printed)."""
    import re

    out = subprocess.run([sys.executable, str(ROOT / "docs_hooks" / "figures.py"),
                          "--numbers"], capture_output=True, text=True, timeout=300,
                         cwd=ROOT, check=True).stdout
    page = " ".join((ROOT / "docs" / "audit.md").read_text().split())
    blocks = dict(re.findall(r"^(audit\w*) \(.*?\): (.*?)(?=^audit|\Z)", out, re.S | re.M))
    default, reference = blocks["audit"], blocks["audit_mms_reference"]
    for block in (default, reference):
        r, sub, lo, hi = re.search(r"at r = ([\d.]+): subset ([\d.]+), band ([\d.]+)-([\d.]+)",
                                   block).groups()
        assert f"within {r}" in page
        assert f"{round(100 * float(sub))}% of the rows within {r}" in page
    lo, hi = re.search(r"band ([\d.]+)-([\d.]+)", default).groups()
    assert f"random subsets {round(100 * float(lo))}-{round(100 * float(hi))}%" in page
    top = re.search(r"95% at r = ([\d.]+)", default).group(1)
    assert f"reaches 1, at {top}" in page
    covers = re.search(r"curve reaches 1 at r = ([\d.]+)", reference).group(1)
    assert f"covers every row within {covers}" in page
    pct = dict(re.findall(r"(\w+): (?:closer to|further from) the full data than (\d+)%",
                          default))
    assert f"coverage closer to the full data than {pct['coverage']}%" in page
    pct = dict(re.findall(r"(\w+): (?:closer to|further from) the full data than (\d+)%",
                          reference))
    assert f"further from the full data than {pct['coverage']}%" in page
    assert f"energy closer than {pct['energy']}%" in page
