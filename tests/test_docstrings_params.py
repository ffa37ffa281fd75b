"""Every parameter a public class or function takes is in its docstring's Parameters section.

The API reference (docs/api.md) is generated from the numpydoc docstrings, so a parameter
missing there is missing from the documentation (explore5/docs 03: ``reweight`` on ten
reducers, ``space`` on three, keywords of ``fit_learning_curve``, ``find_leakage`` and
``split_yolo``). For every name in the ``__all__`` of ``datareduce``, of its public
subpackages and of the modules api.md renders on their own (``:::`` directives), the
parameters of ``inspect.signature`` (a class: its constructor) are compared with the names
of the docstring's ``Parameters`` / ``Other Parameters`` sections (a small numpydoc parser:
``a, b : type`` entries, ``*args`` / ``**kwargs``). ``*args`` and ``**kwargs`` need not be
documented. Documented names that the signature lacks are reported too.

Known gaps are listed with their reason: parameters missing from a Parameters section in
``EXCEPTIONS``, callables without any Parameters section in ``NO_PARAMETERS_SECTION``
(result records, short prose docstrings, other fixers' modules). A new gap fails the test,
and so does an entry that is no longer needed, so the tables do not outlive the gaps.
Modules whose optional extra is not installed are skipped with the reason. The exported
constants (values: no docstring, so mkdocstrings skips them) must be named in api.md.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import re
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

import datareduce  # noqa: E402

# A Parameters section must be complete. "module.qualname" -> (parameters allowed to be
# missing from it, reason). Empty since ClusterCentroidsReducer documented ``space`` and
# ``reweight`` (a667b44, the change that owned its docstring).
EXCEPTIONS: dict[str, tuple[frozenset, str]] = {}

# Public callables that take parameters but have no Parameters section at all, and why.
# A new one fails the test (give it a Parameters section, or an entry here with a reason);
# an entry that got its section fails too (drop it).
RECORD = ("result record (dataclass) the library builds and returns: its fields are "
          "described under Attributes, not as parameters")
PROSE = ("short docstring naming its parameters in the text, no numpydoc Parameters "
         "section yet (beyond explore5/docs 03)")
CORE = ("defined in datareduce._core, whose docstrings another fixer owns (re-exported "
        "by datareduce.base / datareduce.evaluation.tasks)")
NO_PARAMETERS_SECTION: dict[str, str] = {
    "datareduce._core.output.reduced_set": CORE,
    "datareduce._core.strata.allocate_quotas": CORE,
    "datareduce._core.strata.quantile_strata": CORE,
    "datareduce._core.tags.ReducerTags": CORE,
    "datareduce._core.tags.reducer_tags": CORE,
    "datareduce._registry.available_reducers": PROSE,
    "datareduce._registry.get_reducer": PROSE,
    "datareduce._registry.reducer_class": PROSE,
    "datareduce._registry.register_reducer": PROSE,
    "datareduce.base.Selection": RECORD,
    "datareduce.detection.dataset.DetectionDataset": RECORD,
    "datareduce.detection.dataset.LabelIssue": RECORD,
    "datareduce.detection.dataset.image_to_label_path": PROSE,
    "datareduce.detection.groups.group_labels": PROSE,
    "datareduce.detection.groups.group_quotas": PROSE,
    "datareduce.detection.groups.sequence_groups": PROSE,
    "datareduce.detection.leakage.LeakageReport": RECORD,
    "datareduce.detection.objects.ShapeComplexityScorer": PROSE,
    "datareduce.detection.objects.TopScoreReducer": PROSE,
    "datareduce.detection.registry.get_embedder": PROSE,
    "datareduce.detection.report.DetectionReport": RECORD,
    "datareduce.detection.split.group_leaks": PROSE,
    "datareduce.detection.writer.check_output_dir": PROSE,
    "datareduce.distributed._blocks.BlockReduction": RECORD,
    "datareduce.distributed._blocks.epsilon_blocks": PROSE,
    "datareduce.distributed._cluster.worker_peak_memory": PROSE,
    "datareduce.distributed._parquet.ParquetBlocks": RECORD,
    "datareduce.distributed._parquet.ParquetReduction": RECORD,
    "datareduce.distributed._parquet.read_parquet_blocks": PROSE,
    "datareduce.dynamic.yolo.PrunedDetectionTrainer": (
        "Ultralytics' DetectionTrainer constructor (cfg, overrides, _callbacks), documented "
        "by Ultralytics; src/datareduce/dynamic is another fixer's"),
    "datareduce.evaluation.summaries.headline_metric": PROSE,
    "datareduce.evaluation.tasks.check_scoring_for_task": PROSE,
    "datareduce.evaluation.tasks.get_scorers": PROSE,
    "datareduce.evaluation.tasks.needs_classes": PROSE,
    "datareduce.evaluation.tasks.quantile_strata": (
        "deprecated alias: its docstring sends to datareduce.base.quantile_strata"),
    "datareduce.metrics.audit.SubsetAudit": RECORD,
    "datareduce.metrics.calibration.CalibratedMetric": RECORD,
    "datareduce.metrics.calibration.Calibration": RECORD,
    "datareduce.metrics.coverage.CoverageCurve": RECORD,
    "datareduce.metrics.diagrams.PersistenceDiagrams": RECORD,
    "datareduce.metrics.distances.TopologicalDistance": RECORD,
    "datareduce.metrics.epsilon.EpsilonResult": RECORD,
    "datareduce.metrics.interface.MetricValue": RECORD,
    "datareduce.metrics.interface.PreparedMetric": PROSE,
    "datareduce.metrics.interface.get_metric": PROSE,
    "datareduce.metrics.kernel_distance.DistributionDistance": RECORD,
    "datareduce.metrics.kernel_distance.MMDReference": RECORD,
    "datareduce.metrics.kernel_distance.energy_distance": PROSE,
    "datareduce.metrics.leakage.SplitAudit": RECORD,
    "datareduce.metrics.report.RepresentativenessReport": RECORD,
    "datareduce.metrics.two_sample.MMDTest": RECORD,
    "datareduce.pipeline.make_pipeline": PROSE,
    "datareduce.reducers.random.StratifiedRandomReducer": (
        "RandomReducer with stratify=True by default: its docstring sends to RandomReducer's "
        "Parameters (the same parameters)"),
    "datareduce.search._stats.LearningCurve": RECORD,
    "datareduce.search._stats.PowerLaw": RECORD,
    "datareduce.search._stats.fit_power_law": PROSE,
    "datareduce.search._tables.make_model": PROSE,
    "datareduce.search._tuning.SubsetTuning": RECORD,
}

_SECTIONS = ("Parameters", "Other Parameters")
_ENTRY = re.compile(r"^(\*{0,2}[A-Za-z_]\w*(?:\s*,\s*\*{0,2}[A-Za-z_]\w*)*)\s*(?::|$)")


def documented_parameters(doc: str | None) -> set[str]:
    """Names of the entries of the numpydoc Parameters sections of ``doc``.

    >>> sorted(documented_parameters('''Summary.
    ...
    ... Parameters
    ... ----------
    ... a, b : int
    ...     Two numbers.
    ... **kwargs
    ...     Passed on.
    ...
    ... Returns
    ... -------
    ... c : int
    ... '''))
    ['a', 'b', 'kwargs']
    """
    lines = inspect.cleandoc(doc or "").splitlines()
    names: set[str] = set()
    section = None
    for i, line in enumerate(lines):
        underline = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if line.strip() and re.fullmatch(r"-{3,}", underline) and not line.startswith(" "):
            section = line.strip()
            continue
        if re.fullmatch(r"-{3,}", line.strip()):
            continue
        if section not in _SECTIONS or not line.strip() or line[0].isspace():
            continue
        match = _ENTRY.match(line)
        if match:
            names |= {n.strip().lstrip("*") for n in match.group(1).split(",")}
    return names


def _signature_parameters(obj) -> list[str] | None:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):  # builtins without a signature
        return None
    return [name for name, p in sig.parameters.items()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and name != "self"]


def _api_md_modules() -> list[str]:
    api = (ROOT / "docs" / "api.md").read_text()
    return re.findall(r"^::: *([\w.]+)", api, flags=re.M)


def _module_names() -> list[str]:
    names = ["datareduce"]
    for info in pkgutil.iter_modules(datareduce.__path__, "datareduce."):
        if info.ispkg and not info.name.rsplit(".", 1)[1].startswith("_") \
                and info.name != "datareduce.cli":
            names.append(info.name)
    for name in _api_md_modules():
        module = name
        while module and importlib.util.find_spec(module) is None:  # a function's path
            module = module.rpartition(".")[0]
        if module and module not in names and "._" not in module:
            names.append(module)
    return names


def _public_objects(module_name: str):
    """(module.qualname, object) for the classes and functions of the module's __all__."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = importlib.import_module(module_name)
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name, None)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            yield f"{obj.__module__}.{obj.__qualname__}", obj


_IMPORT_ERRORS: dict[str, str] = {}


def _collect():
    seen = {}
    for module_name in _module_names():
        try:
            for key, obj in _public_objects(module_name):
                seen.setdefault(key, obj)
        except ImportError as exc:  # an optional extra that is not installed
            _IMPORT_ERRORS[module_name] = str(exc)
    return seen


OBJECTS = _collect()


def _has_parameters_section(doc: str | None) -> bool:
    text = inspect.cleandoc(doc or "")
    return any(re.search(rf"^{name}\n-{{3,}}$", text, flags=re.M) for name in _SECTIONS)


def _mismatch(obj):
    """(missing, extra): parameters not documented, documented names not taken."""
    params = _signature_parameters(obj)
    if params is None or (inspect.isclass(obj) and obj.__init__ is object.__init__):
        return set(), set()
    documented = documented_parameters(obj.__doc__)
    missing = {p for p in params if p not in documented}
    takes_var = any(p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
                    for p in inspect.signature(obj).parameters.values())
    extra = set() if takes_var else documented - set(params)  # **kwargs may cover several
    return missing, extra


@pytest.mark.parametrize("module_name", sorted(_IMPORT_ERRORS) or ["-"])
def test_optional_modules(module_name):
    if module_name != "-":
        pytest.skip(f"{module_name} not importable (optional extra): "
                    f"{_IMPORT_ERRORS[module_name]}")


def test_the_walk_finds_the_objects_of_the_report():
    for key in ("datareduce.reducers.maxmin.MaxMinReducer",
                "datareduce.reducers.phl.PHLandmarksReducer",
                "datareduce.search._stats.fit_learning_curve",
                "datareduce.detection.leakage.find_leakage",
                "datareduce.detection.split.split_yolo",
                "datareduce.preprocessing.resolve_space"):
        assert key in OBJECTS, key
    if "datareduce.reducers" not in _IMPORT_ERRORS:
        assert "datareduce.reducers.flow.NormalizingFlowReducer" in OBJECTS


def test_every_parameter_is_documented():
    problems = []
    for key, obj in sorted(OBJECTS.items()):
        if not _has_parameters_section(obj.__doc__):
            continue  # see test_callables_without_a_parameters_section_are_listed
        missing, extra = _mismatch(obj)
        missing -= EXCEPTIONS.get(key, (frozenset(), ""))[0]
        if missing:
            problems.append(f"{key}: not in the docstring's Parameters: {sorted(missing)}")
        if extra:
            problems.append(f"{key}: documented but not a parameter: {sorted(extra)}")
    assert not problems, "\n".join(problems)


def test_callables_without_a_parameters_section_are_listed():
    found = {key for key, obj in OBJECTS.items()
             if not _has_parameters_section(obj.__doc__) and _mismatch(obj)[0]}
    new = sorted(found - set(NO_PARAMETERS_SECTION))
    gone = sorted(k for k in set(NO_PARAMETERS_SECTION) - found  # unless not importable
                  if not any(k.startswith(m + ".") for m in _IMPORT_ERRORS))
    assert not new, ("public callables taking parameters without a Parameters section: "
                     f"{new}; document them, or list them in NO_PARAMETERS_SECTION with a reason")
    assert not gone, f"documented now or no longer exported, drop from NO_PARAMETERS_SECTION: {gone}"


def test_exceptions_are_still_needed():
    stale = []
    for key, (allowed, reason) in EXCEPTIONS.items():
        assert key in OBJECTS, f"{key} is no longer exported: drop its exception"
        if not allowed & _mismatch(OBJECTS[key])[0]:
            stale.append(f"{key} ({reason}): documented now, drop the exception")
    assert not stale, "\n".join(stale)


def test_exported_constants_are_named_in_the_api_reference():
    """Values in an ``__all__`` (no docstring, so mkdocstrings skips them) are listed in
    api.md's Constants table under their full name."""
    api = (ROOT / "docs" / "api.md").read_text()
    missing = []
    for module_name in _module_names():
        if module_name in _IMPORT_ERRORS:
            continue
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if name.startswith("__") or callable(obj) or inspect.ismodule(obj):
                continue
            if f"`{module_name}.{name}`" not in api:
                missing.append(f"{module_name}.{name}")
    assert not missing, f"exported constants not named in docs/api.md: {missing}"
