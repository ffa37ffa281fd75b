"""The audit page in a real browser: headless Chromium loads it without a console error and
shows every figure (decoded images with a size), through a tiny Chrome DevTools Protocol
session over a pipe (no network port, no extra package).

Skipped when Chromium is not installed, unless DATAREDUCE_REQUIRE_BROWSER=1 (CI sets it:
`make browser` installs Debian's chromium there).
"""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe"]


def _chromium():
    for name in ("chromium", "chromium-browser", "/usr/bin/chromium"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("DATAREDUCE_REQUIRE_BROWSER") == "1":
        pytest.fail("DATAREDUCE_REQUIRE_BROWSER=1 but chromium is not installed: run "
                    "`make browser` (Debian: apt-get install chromium).")
    pytest.skip("chromium is not installed (`make browser` installs it)")


class DevTools:
    """CDP over --remote-debugging-pipe: the browser reads fd 3 and writes fd 4, messages end
    with a NUL byte."""

    def __init__(self, exe, profile):
        to_r, self._to_w = os.pipe()
        self._from_r, from_w = os.pipe()
        self._buffer, self._id, self.events = b"", 0, []

        def fds():  # in the child: the pipe ends become fds 3 and 4 (copies first: no clash)
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                     preexec_fn=fds, close_fds=False,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_r)
        os.close(from_w)

    def _read(self, timeout):
        import select

        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_r], [], [], left)[0]:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self._from_r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buffer += chunk
        msg, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=30):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_w, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read(timeout)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method, timeout=30):
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            e = self._read(timeout)
            if e.get("method") == method:
                return e
            self.events.append(e)

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001 - the browser may already be gone
            pass
        self.proc.wait(timeout=10)
        os.close(self._to_w)
        os.close(self._from_r)


def load(exe, tmp_path, url):
    """Open ``url``; return (console errors and exceptions, figures as the page sees them)."""
    dt = DevTools(exe, tmp_path / "profile")
    try:
        target = dt.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = dt.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            dt.call(f"{domain}.enable", session=session)
        dt.call("Page.navigate", {"url": url}, session=session)
        dt.wait_for("Page.loadEventFired")
        res = dt.call("Runtime.evaluate", {"expression": (
            "JSON.stringify(Array.from(document.images).map(i => [i.complete, i.naturalWidth,"
            " i.naturalHeight, i.getBoundingClientRect().width]))"), "returnByValue": True},
            session=session)
        images = json.loads(res["result"]["value"])
        dt.call("Runtime.evaluate", {"expression": "1"}, session=session)  # flush events
        errors = [e for e in dt.events
                  if e.get("method") == "Runtime.exceptionThrown"
                  or (e.get("method") == "Runtime.consoleAPICalled"
                      and e["params"]["type"] in ("error", "assert"))
                  or (e.get("method") == "Log.entryAdded"
                      and e["params"]["entry"]["level"] == "error")]
        return errors, images
    finally:
        dt.close()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    pd = pytest.importorskip("pandas")
    from datareduce import RandomReducer
    from datareduce.metrics import audit_subset

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300),
                       "c": rng.choice(["u", "v", None], 300)})
    y = rng.integers(0, 3, 300)
    audit = audit_subset(df, RandomReducer(keep=0.2, random_state=0), y, n_draws=10,
                         topology=True, max_points=60)
    path = tmp_path_factory.mktemp("page") / "audit.html"
    audit.to_html(path)
    return path


def test_audit_page_loads_without_errors_and_shows_its_figures(page, tmp_path):
    exe = _chromium()
    errors, images = load(exe, tmp_path, Path(page).as_uri())
    assert errors == []
    assert len(images) >= 5  # map, coverage, references, per class, diagrams
    for complete, w, h, shown in images:
        assert complete and w > 100 and h > 100 and shown > 100


def test_the_check_catches_errors_and_broken_figures(tmp_path):
    """The same check fails on a page with a script error and an image that does not decode."""
    exe = _chromium()
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><img src='data:image/png;base64,AAAA'>"
                   "<script>console.error('boom'); undefined_function();</script></body></html>")
    errors, images = load(exe, tmp_path, bad.as_uri())
    assert len(errors) >= 2
    assert images[0][1] == 0  # naturalWidth 0: the figure is not shown
