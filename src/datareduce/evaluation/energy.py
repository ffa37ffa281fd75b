"""Energy and emissions of each run, from codecarbon's offline tracker (the ``carbon`` extra).

Without codecarbon installed, :func:`start_tracker` warns and returns None, and every
``task_stop`` returns an empty dict: the energy columns are absent, never zero.
"""

from __future__ import annotations

import logging
import warnings

ENERGY_COLUMNS = ("energy_kwh", "emissions_kg")


def start_tracker():
    try:
        from codecarbon import OfflineEmissionsTracker
    except ImportError:
        warnings.warn("energy=True needs codecarbon (pip install 'datareduce[carbon]'); the "
                      "energy columns are left out.", UserWarning, stacklevel=3)
        return None
    # codecarbon logs every measurement at INFO: keep it quiet until the tracker stops
    cc_logger = logging.getLogger("codecarbon")
    old_level = cc_logger.level
    cc_logger.setLevel(logging.ERROR)
    try:
        tracker = OfflineEmissionsTracker(country_iso_code="USA", save_to_file=False,
                                          log_level="error", measure_power_secs=1)
        tracker.start()
    except Exception:
        cc_logger.setLevel(old_level)
        raise
    tracker._datareduce_log_level = old_level
    cc_logger.setLevel(logging.ERROR)  # codecarbon may have reset it while starting
    return tracker


def stop_tracker(tracker):
    cc_logger = logging.getLogger("codecarbon")
    try:
        tracker.stop()
    finally:
        cc_logger.setLevel(getattr(tracker, "_datareduce_log_level", logging.NOTSET))


def task_start(tracker):
    if tracker is not None:
        tracker.start_task("run")


def task_stop(tracker):
    if tracker is None:
        return {}
    try:
        data = tracker.stop_task()
    except Exception:  # no task running (a run failed before it started one)
        return {}
    return {"energy_kwh": float(data.energy_consumed), "emissions_kg": float(data.emissions)}

