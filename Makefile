# Two commands on a fresh machine (Python 3.10+):
#   make demo   -> creates .venv, installs datareduce, runs `datareduce demo`
#   make test   -> creates .venv with every extra (+ .venv-giotto), runs the whole test suite
PYTHON ?= python3
VENV ?= .venv
GVENV ?= .venv-giotto
PY := $(VENV)/bin/python
GPY := $(GVENV)/bin/python
# torch/torchvision pinned to the builds Ultralytics needs (see docs/install.md)
TORCH_PINS ?= torch==2.14.1 torchvision==0.29.1

.PHONY: demo test test-core test-giotto install-core install-all install-giotto lint bench clean browser

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel

install-core: $(PY)
	$(PY) -m pip install -q -e .

$(VENV)/.all-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q $(TORCH_PINS)
	$(PY) -m pip install -q -e ".[dev,plot,detection,flow,bench,parquet,dask,carbon,kt]"
	touch $@

install-all: $(VENV)/.all-installed

$(GVENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(GVENV)
	$(GPY) -m pip install -q --upgrade pip setuptools wheel
	$(GPY) -m pip install -q "scikit-learn==1.3.2" "numpy<2" "giotto-tda==0.6.2" "imbalanced-learn<0.13" \
		pandas scipy threadpoolctl tqdm ripser gudhi pytest hypothesis
	$(GPY) -m pip install -q --no-deps -e .
	touch $@

install-giotto: $(GVENV)/.installed

demo: install-core
	$(VENV)/bin/datareduce demo

# headless Chromium for tests/test_browser.py (Debian's package; needs root and apt-get,
# otherwise a line says so and that test is skipped)
browser:
	@if command -v chromium >/dev/null 2>&1; then echo "chromium: $$(command -v chromium)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "chromium not installed (needs root and apt-get): the browser test is skipped"; fi

test: install-all install-giotto browser
	$(VENV)/bin/ruff check src tests benchmarks
	$(PY) -m pytest -q -m "not giotto" tests
	$(GPY) -m pytest -q -m giotto tests/test_giotto_backend.py

test-core: install-all
	$(PY) -m pytest -q -m "not giotto" tests

lint: install-all
	$(VENV)/bin/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) $(GVENV) build *.egg-info src/*.egg-info
