# make train: prepare the data and vectors (the main job); make test: run all tests;
# make lab: open the notebooks in JupyterLab. Each creates .venv on first use.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# Offline mirror of the data: ../shared/data when it exists (see README).
export D2LSENT_MIRROR ?= $(abspath $(wildcard ../shared/data))

.PHONY: env train test lab notebooks clean

env: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e .
	$(PY) -m ipykernel install --sys-prefix --name d2lsent --display-name "Python (d2lsent)"
	touch $@

train: env
	$(PY) -m d2lsent prepare

# Notebooks run in smoke size here (D2LSENT_SMOKE=1); `make notebooks` runs them in full.
test: env
	D2LSENT_SMOKE=1 $(PY) -m pytest

lab: env
	$(VENV)/bin/jupyter lab notebooks/

# Re-execute every notebook from its .py source and store real outputs. The metadata
# filters are stored in each notebook too, so `jupytext --to py:percent --output -`
# (the pairing check) renders the .py exactly.
JUPYTEXT_META := {"jupytext": {"notebook_metadata_filter": "kernelspec,jupytext,-jupytext.text_representation.jupytext_version", "cell_metadata_filter": "tags,-all"}}
notebooks: env
	for nb in notebooks/[0-9]*.py; do \
	  $(VENV)/bin/jupytext --sync $$nb && \
	  $(VENV)/bin/jupytext --quiet --update-metadata '$(JUPYTEXT_META)' $${nb%.py}.ipynb && \
	  $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.record_timing=False --ExecutePreprocessor.timeout=-1 \
	    $${nb%.py}.ipynb || exit 1; \
	done
	$(VENV)/bin/jupytext --sync notebooks/[0-9]*.ipynb

clean:
	rm -rf $(VENV)
