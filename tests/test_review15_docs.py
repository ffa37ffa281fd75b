"""Review 15 (f): the user documentation says what the code does.

tests/test_docs.py runs the ``pycon`` examples of index.md, guide.md and evaluation.md; the
``python`` examples of the README and of the method pages were run by nothing, and several
statements of those pages had drifted from the code (a parameter said not to exist, fitted
attributes that the default mode does not set, a default that changed, a table cut in two).
"""

import inspect
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# the pages of the user documentation (the benchmark pages included)
PAGES = [
    "README.md",
    *(
        f"docs/{p}"
        for p in (
            "index.md",
            "install.md",
            "guide.md",
            "quality.md",
            "quality-defaults.md",
            "weighted.md",
            "prototypes.md",
            "coverage.md",
            "distribution.md",
            "evaluation.md",
            "benchmarks-epsilon.md",
            "benchmarks-kmeans.md",
            "benchmarks-methods.md",
        )
    ),
]

# python blocks that are sketches of the user's own loop, not runnable as they stand
SKETCH_NAMES = ("train_one_epoch", 'load_yolo("data.yaml")')


def _python_blocks(page):
    return re.findall(r"^```python\n(.*?)^```", (ROOT / page).read_text(), flags=re.M | re.S)


@pytest.mark.parametrize(
    "page",
    [
        pytest.param("README.md", marks=pytest.mark.slow),  # an audit, a grid search: ~5 s
        "docs/guide.md",  # its python blocks (the audit); test_docs.py runs its pycon
        "docs/weighted.md",
        "docs/coverage.md",
        "docs/prototypes.md",
        "docs/distribution.md",
    ],
)
def test_python_examples_of_pages_test_docs_does_not_run(page, tmp_path, monkeypatch):
    """The snippets run in one namespace, on scikit-learn's digits as X, y (the pages'
    ``X, y``); docs/weighted.md's MMD example used ``idx`` and ``w`` that nothing defined."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sklearn.datasets import load_digits

    monkeypatch.chdir(tmp_path)  # README's audit.to_html-like examples write here
    X, y = load_digits(return_X_y=True)
    import datareduce

    namespace = {"X": X, "y": y, "user_w": np.ones(len(y)), "datareduce": datareduce}
    blocks = [b for b in _python_blocks(page) if not any(s in b for s in SKETCH_NAMES)]
    assert blocks, page
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, block in enumerate(blocks):
            exec(compile(block, f"{page} python block {i}", "exec"), namespace)
    import matplotlib.pyplot as plt

    plt.close("all")


def _markdown_lines(text):
    """Lines outside fenced code blocks, with their previous line."""
    fenced, prev = False, ""
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            prev = line
            continue
        if not fenced:
            yield prev, line
        prev = line


@pytest.mark.parametrize("page", PAGES)
def test_no_table_row_is_cut_off_from_its_table(page):
    """docs/coverage.md's CLC parameter table had a paragraph in the middle: its `engine`
    and `max_iter` rows followed the paragraph and rendered as text, not as table rows."""
    orphans = [
        line[:60]
        for prev, line in _markdown_lines((ROOT / page).read_text())
        if line.startswith("|")
        and prev.strip()
        and not prev.startswith("|")
        and not prev.startswith("```")
        # a header row is followed by its |---| separator: a new table, not an orphan
        and not re.match(r"^\|[\s:|-]+\|$", _next_line(page, line))
    ]
    assert not orphans, f"{page}: table rows that follow a paragraph line: {orphans}"


def _next_line(page, line):
    lines = (ROOT / page).read_text().splitlines()
    i = lines.index(line)
    return lines[i + 1] if i + 1 < len(lines) else ""


def _param_tables(text):
    """(section title, parameter names) of the ``| parameter | meaning |`` tables."""
    section, out, rows = "", [], None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:]
        if line.startswith("| parameter | meaning |"):
            rows = []
            out.append((section, rows))
            continue
        if rows is not None:
            m = re.match(r"^\| `(\w+)` \|", line)
            if m:
                rows.append(m.group(1))
            elif not line.startswith("|"):
                rows = None
    return out


def test_parameter_tables_of_the_method_pages_name_real_parameters():
    from datareduce._registry import reducer_class

    checked = 0
    for page in ("coverage.md", "prototypes.md", "distribution.md"):
        for section, names in _param_tables((DOCS / page).read_text()):
            method = re.search(r"\b([A-Z]{2,4})\b", section).group(1).lower()
            params = inspect.signature(reducer_class(method).__init__).parameters
            missing = [n for n in names if n not in params]
            assert not missing, f"docs/{page}, {section}: no such parameter {missing}"
            checked += len(names)
    assert checked >= 9


def test_coverage_page_does_not_deny_des_its_stratify_parameter():
    """docs/coverage.md said DES has 'no `stratify` parameter'; it has one (default False:
    the additions over all classes, True: per class), as its own step 4 and the guide say."""
    from datareduce.reducers import DistanceEntropyReducer

    assert inspect.signature(DistanceEntropyReducer).parameters["stratify"].default is False
    des = (DOCS / "coverage.md").read_text().split("## DES")[1].split("\n## ")[0]
    assert "no `stratify` parameter" not in des
    assert "`stratify` (default\n`False`)" in des


def _prototype_rows():
    rows = {}
    for line in (DOCS / "prototypes.md").read_text().splitlines():
        m = re.match(r"^\| `(prd|nrmd|phl)` \|.*\| (.*) \|$", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def test_prototype_pages_output_attributes_exist_in_the_mode_the_page_names():
    """docs/prototypes.md listed `scores_` as NRMD's and PHL's output, but their default,
    selection='coverage', does not set it (AttributeError): the raw scores are
    `decomposition_scores_` / `outlier_scores_`, `scores_` is the reference mode's."""
    from sklearn.datasets import load_digits

    from datareduce import get_reducer

    X, y = load_digits(return_X_y=True)
    X, y = X[:300], y[:300]
    rows = _prototype_rows()
    assert set(rows) == {"prd", "nrmd", "phl"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method, cell in rows.items():
            for part in cell.split(";"):
                kw = {"selection": "reference"} if 'selection="reference"' in part else {}
                fitted = get_reducer(method, keep=0.1, random_state=0, **kw).fit(X, y)
                for attr in re.findall(r"`(\w+_)`", part):
                    assert hasattr(fitted, attr), (method, kw, attr, part)


def test_guide_says_which_methods_set_scores_by_default():
    """The guide's contract table said every ranking method sets `scores_`; under the
    defaults only DES does (MMS, FES, NRMD and PHL default to selection='coverage')."""
    from sklearn.datasets import load_digits

    from datareduce import get_reducer

    X, y = load_digits(return_X_y=True)
    X, y = X[:300], y[:300]
    row = next(
        line
        for line in (DOCS / "guide.md").read_text().splitlines()
        if line.startswith("| `scores_` |")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method in ("mms", "fes", "nrmd", "phl"):
            assert not hasattr(
                get_reducer(method, keep=0.1, random_state=0).fit(X, y), "scores_"
            ), method
            assert method.upper() in row
        assert hasattr(get_reducer("des", keep=0.1, random_state=0).fit(X, y), "scores_")
    assert "DES's default" in row


def test_no_page_says_random_reducer_stratifies_by_default():
    """docs/evaluation.md said `RandomReducer` stratifies by default ('random and srs give
    identical rows'); its default is stratify=False since before this round."""
    from datareduce.reducers import RandomReducer

    assert inspect.signature(RandomReducer).parameters["stratify"].default is False
    for page in PAGES:
        text = " ".join((ROOT / page).read_text().split())
        assert "`RandomReducer` stratifies by default" not in text, page
        assert "`random` and `srs` give identical rows" not in text, page


def test_install_page_lists_every_package_of_every_extra():
    """docs/install.md's extras table left polars out of the `dev` extra."""
    tomllib = pytest.importorskip("tomllib")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    rows = {
        m.group(1): m.group(2).lower()
        for m in re.finditer(r"^\| `(\w+)` \| ([^|]*) \|", (DOCS / "install.md").read_text(), re.M)
    }
    for extra, reqs in extras.items():
        assert extra in rows, f"docs/install.md has no row for the {extra!r} extra"
        for req in reqs:
            name = re.match(r"[A-Za-z0-9_.-]+", req).group(0).lower()
            assert name in rows[extra] or name.replace("-", "_") in rows[extra], (extra, req)


def test_methods_benchmark_page_states_the_flow_fit_size_default():
    """docs/benchmarks-methods.md's cost table said the flow trains on at most 2,000 rows
    per flow; `fit_size` defaults to 1000 (as the page's own reading and
    docs/distribution.md say)."""
    try:
        from datareduce.reducers.flow import NormalizingFlowReducer
    except ImportError:
        pytest.skip("the flow extra")
    default = inspect.signature(NormalizingFlowReducer).parameters["fit_size"].default
    row = next(
        line
        for line in (DOCS / "benchmarks-methods.md").read_text().splitlines()
        if line.startswith("| flow |")
    )
    assert f"fit_size={default}" in row, row
    assert "2,000" not in row


def _reproduce_paper():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "reproduce_paper_review15", ROOT / "benchmarks" / "reproduce_paper.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reproduce_paper_script_reproduces_its_published_epsilons():
    """docs/evaluation.md publishes the runs of benchmarks/reproduce_paper.py and says NRMD
    ranks rows globally there (it lost a class on breast cancer: epsilon inf). The script
    passed NRMD only selection='reference', so since NRMD's default became per class its
    NRMD rows no longer reproduced the page: breast cancer keep 0.1 gave epsilon 0.838,
    0.797, 0.815 where the page's runs have 0.923, inf, 0.962. The script now passes the
    reference's global ranking (stratify=False); the epsilon of a run depends on the split
    and the kept rows only, so a fast estimator checks it."""
    import pandas as pd
    from sklearn.datasets import load_breast_cancer
    from sklearn.dummy import DummyClassifier

    from datareduce.evaluation import compare

    methods = ["nrmd", "mms", "des"]
    params = _reproduce_paper().paper_method_params(methods)
    assert params["nrmd"] == {"selection": "reference", "stratify": False}
    X, y = load_breast_cancer(return_X_y=True)
    published = pd.read_csv(DOCS / "evaluation" / "breast_cancer.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compare(
            X,
            y,
            methods=methods,
            keeps=(0.1,),
            estimator=DummyClassifier(),
            repeats=3,
            metrics=("epsilon",),
            method_params=params,
            random_state=0,
        )
    for method in methods:
        got = res[res.method == method].sort_values("repeat").epsilon.to_numpy()
        want = published[(published.method == method) & (published.keep == 0.1)]
        want = want.sort_values("repeat").epsilon.to_numpy()[:3]
        np.testing.assert_allclose(got, want, rtol=1e-9, err_msg=method)


def test_pipeline_task_of_the_final_step_is_silent_as_the_docs_say():
    """The guide said a warning tells when make_pipeline's final step overrode the target
    rule, and CLC's docstring that before a regressor ratings give centroids with a warning
    naming <step>__task: the pipeline passes the final step's task silently (design notes,
    review 6), so CLC keeps medoids and nothing warns."""
    from sklearn.linear_model import Ridge

    import datareduce
    from datareduce.reducers import ClusterCentroidsReducer

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(400, 3)), rng.integers(1, 6, 400)  # ratings: classes by the rule
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipe = datareduce.make_pipeline(
            datareduce.get_reducer("clc", keep=0.1, random_state=0), Ridge()
        ).fit(X, y)
    assert pipe.steps[0][1].output_ == "medoids"
    assert not [w for w in caught if "task" in str(w.message)]
    guide = " ".join((DOCS / "guide.md").read_text().split())
    assert "The pipeline decides silently" in guide
    assert "a warning says when the estimator's type overrode the rule" not in guide
    doc = " ".join(ClusterCentroidsReducer.__doc__.split())
    assert "give centroids, with a warning" not in doc
    assert "make_pipeline" in doc
    fit_doc = " ".join(datareduce.base.BaseReducer.fit.__doc__.split())
    assert 'in a pipeline before a regressor, ``<step>__task="regression"``' not in fit_doc
    assert "make_pipeline` passes its final step's task" in fit_doc


def _reduction_seconds(page_text):
    """{method: [median reduction seconds]} over every 'reduction seconds' table."""
    out = {}
    for table in re.findall(r"#### reduction seconds \(median\)\n\n(\|.*?)\n\n", page_text, re.S):
        lines = table.splitlines()
        names = [c.strip() for c in lines[0].strip("|").split("|")]
        for line in lines[2:]:
            cells = [c.strip() for c in line.strip("|").split("|")]
            if cells[0] == "1.0":
                continue  # the full split: no reduction
            for name, cell in zip(names[1:], cells[1:], strict=True):
                out.setdefault(name, []).append(float(cell))
    return out


def test_evaluation_and_guide_quote_the_reduction_times_of_the_evaluation_tables():
    """evaluation.md said PHL takes 'about 0.6 s' on breast cancer and Flow 5-130 s, the
    guide 'Flow 5-20 s': its own tables have PHL at 0.1 s there and Flow from 0.9 s (wine)
    to 129 s (digits)."""
    text = (DOCS / "evaluation.md").read_text()
    times = _reduction_seconds(text)
    assert {"flow", "phl", "srs", "vq"} <= set(times)
    flat = " ".join(text.split())
    lo, hi = map(float, re.search(r"and (\d+)-(\d+) s for Flow", flat).groups())
    assert lo <= round(min(times["flow"])) and max(times["flow"]) <= hi
    bound = float(re.search(r"at most ([\d.]+) s for SRS, DES and NRMD", flat).group(1))
    assert max(times["srs"] + times["des"] + times["nrmd"]) <= bound
    guide = " ".join((DOCS / "guide.md").read_text().split())
    lo, hi = map(float, re.search(r"Flow (\d+)-(\d+) s", guide).groups())
    assert lo <= round(min(times["flow"])) and max(times["flow"]) <= hi
    phl_hi = float(re.search(r"PHL up to (\d+) s", guide).group(1))
    assert max(times["phl"]) <= phl_hi + 0.5


def test_index_and_guide_point_to_the_page_of_every_registered_method():
    """index.md's 'see what each method computes' row and the guide's list of method pages
    named the coverage, prototype and distribution pages only: herding and kt (the methods
    docs/quality.md recommends) are described in weighted.md, which neither linked."""
    from datareduce import available_reducers

    index = next(
        line
        for line in (DOCS / "index.md").read_text().splitlines()
        if line.startswith("| see what each method computes")
    )
    guide = " ".join((DOCS / "guide.md").read_text().split())
    pages = {p: (DOCS / p).read_text() for p in re.findall(r"\]\((\w+\.md)\)", index)}
    for method in available_reducers():
        if method in ("random", "srs"):
            continue  # the baselines: the guide and every page describe them
        assert any(f"`{method}`" in text for text in pages.values()), method
    assert "[weighted coresets](weighted.md) (herding, kernel thinning)" in guide


def test_parameter_tables_list_every_parameter_of_their_method():
    """docs/coverage.md's MMS table left out `random_share` (the share of the quota drawn at
    random first). The parameters every reducer shares are described in the guide."""
    from datareduce._registry import reducer_class

    shared = {"self", "keep", "stratify", "random_state", "space", "reweight"}
    for section, names in _param_tables((DOCS / "coverage.md").read_text()):
        method = re.search(r"\b([A-Z]{2,4})\b", section).group(1).lower()
        params = set(inspect.signature(reducer_class(method).__init__).parameters) - shared
        assert params <= set(names), f"docs/coverage.md, {section}: {params - set(names)}"


@pytest.mark.parametrize("start", [0, 1])
def test_csv_row_numbers_without_a_header_name_are_kept_whatever_they_start_at(tmp_path, start):
    """README: table columns are 'used for the selection, written back unchanged'. Rows with
    one field more than the header (a row-number column without a name: pandas' implicit
    index) were kept whole when the numbers started at 1; from 0 pandas makes a RangeIndex
    that looked like no index, so the text columns were re-read one field to the left (the
    target became the y values: 40 'classes' of 40 rows) and the kept rows were written
    without their row numbers."""
    from datareduce.cli import main

    rng = np.random.default_rng(0)
    lines = ["x,y,label"] + [
        f"{i + start},{rng.normal():.3f},{rng.normal():.3f},{'ab'[i % 2]}" for i in range(40)
    ]
    src, out = tmp_path / "rows.csv", tmp_path / "out.csv"
    src.write_text("\n".join(lines) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 'keep allows 10 rows for 40 classes' was the only sign
        assert (
            main(["reduce", str(src), "--target", "label", "--keep", "0.25", "-o", str(out), "-q"])
            == 0
        )
    written = out.read_text().splitlines()
    assert written[0] == "x,y,label"
    assert len(written) == 11 and set(written[1:]) <= set(lines[1:])
    # stratified by the real labels: 5 of each class
    assert sorted(w.rsplit(",", 1)[1] for w in written[1:]) == ["a"] * 5 + ["b"] * 5


def test_csv_lines_ending_with_a_delimiter_are_read_with_their_labels(tmp_path, capsys):
    """Some exports end every line with a delimiter ('0.126,-0.132,a,'): one empty field
    more than the header. pandas then took the first column for an index and moved every
    name one column, and the CLI refused the file as "--target 'label' is missing in 40
    row(s)" although every row has its label. Such a file is read with index_col=False
    (pandas' remedy); text in that extra field is refused, naming the fix."""
    from datareduce.cli import main

    rng = np.random.default_rng(0)
    rows = [f"{rng.normal():.3f},{rng.normal():.3f},{'ab'[i % 2]}" for i in range(40)]
    src, out = tmp_path / "trail.csv", tmp_path / "out.csv"
    src.write_text("x,y,label\n" + "".join(r + ",\n" for r in rows))
    assert (
        main(["reduce", str(src), "--target", "label", "--keep", "0.25", "-o", str(out), "-q"]) == 0
    )
    written = out.read_text().splitlines()
    assert written[0] == "x,y,label" and len(written) == 11 and set(written[1:]) <= set(rows)
    assert sorted(w[-1] for w in written[1:]) == ["a"] * 5 + ["b"] * 5
    assert "ParserWarning" not in capsys.readouterr().err
    # text in the extra field would be lost: refused, in one line naming the fix
    src.write_text("x,y,label\n" + "".join(r + ",\n" for r in rows[:-1]) + rows[-1] + ",oops\n")
    assert (
        main(
            [
                "reduce",
                str(src),
                "--target",
                "label",
                "--keep",
                "0.25",
                "-o",
                str(out),
                "--overwrite",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "end with a delimiter" in err and "quote the fields" in err
