# make train: the main job: prepare the data, train the BiRNN (PyTorch, the preset best:
# 5 epochs on all reviews) into runs/; e.g. make train TRAIN_ARGS="--backend mxnet".
# make test: run all tests, in both locked environments;
# make lab: open the notebooks in JupyterLab. Each creates its environment on first use.
PYTHON ?= python3.11
# The classic environment (requirements-classic.lock: numpy 1.23, MXNet 1.9.1, the
# book's d2l), where make train, lab, notebooks and book run: everything installs here.
VENV := .venv
PY := $(VENV)/bin/python
CLASSIC_EXTRAS := notebooks,test,book,mxnet,d2l
# The modern one (requirements-modern.lock: the newest numpy and PyTorch, neither MXNet
# nor d2l), where learners are: make test runs every test that needs neither here.
VENV_MODERN := .venv-modern
MODERN_EXTRAS := notebooks,test
# A third for the MXNet tests under Gluon 2.0 (MXNet 2.0.0b1).
VENV_MX2 := .venv-mx2
MX2_TESTS := tests/test_mxnet.py tests/test_mxlaunch.py tests/test_backend.py \
	tests/test_lstm_layout.py tests/test_fpu.py
# Offline mirror of the data: ../shared/data when it exists (see README).
export D2LSENT_MIRROR ?= $(abspath $(wildcard ../shared/data))

.PHONY: env env-modern env-mx2 train test test-fast lab notebooks ablations pretrained book \
	browser clean

env: $(VENV)/.installed

env-modern: $(VENV_MODERN)/.installed

env-mx2: $(VENV_MX2)/.installed

# A locked environment with the package (editable) and the Jupyter kernel.
define make_env
	test -x $(1)/bin/python || $(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install --quiet --upgrade pip
	$(1)/bin/python -m pip install --quiet -c $(2) -e '.[$(3)]'
	$(1)/bin/python -m ipykernel install --sys-prefix --name d2lsent --display-name "Python (d2lsent)"
	touch $(1)/.installed
endef

$(VENV)/.installed: pyproject.toml requirements-classic.lock
	$(call make_env,$(VENV),requirements-classic.lock,$(CLASSIC_EXTRAS))

$(VENV_MODERN)/.installed: pyproject.toml requirements-modern.lock
	$(call make_env,$(VENV_MODERN),requirements-modern.lock,$(MODERN_EXTRAS))

# requirements-classic.lock's versions, but MXNet's: requirements-mx2.txt pins 2.0.0b1.
$(VENV_MX2)/.installed: requirements-mx2.txt requirements-classic.lock pyproject.toml
	test -x $(VENV_MX2)/bin/python || $(PYTHON) -m venv $(VENV_MX2)
	$(VENV_MX2)/bin/python -m pip install --quiet --upgrade pip
	grep -v '^mxnet==' requirements-classic.lock > $(VENV_MX2)/constraints.txt
	$(VENV_MX2)/bin/python -m pip install --quiet -c $(VENV_MX2)/constraints.txt \
	  -r requirements-mx2.txt
	$(VENV_MX2)/bin/python -m pip install --quiet --no-deps -e .
	touch $@

train: env
	$(PY) -m d2lsent prepare
	$(PY) -m d2lsent train --processes auto $(TRAIN_ARGS)

# The results chapter's ablations: full runs (5 epochs, all reviews), each changing one
# setting of another run (frozen and dropout: of the glove-tokens runs; weight decay: of
# the dropout run; the rest: of the default run); each ends with its best epoch on
# validation. A run's folder docs/runs/ablations/NAME keeps its settings,
# metrics, curves and test evaluation (the model.npz is not committed). `make ablations`
# runs the missing ones (times: docs/results.md) and prints the table; two at a time,
# one thread each:
# OMP_NUM_THREADS=1 make -j2 ablations.
# One run: make docs/runs/ablations/torch-glove-tokens/evaluation.json
ABLATIONS := torch-base torch-glove-tokens torch-glove-tokens-frozen torch-xavier-embedding \
	torch-lr-1.5625e-4 torch-book-recipe mxnet-base mxnet-glove-tokens mxnet-book-recipe \
	torch-glove-tokens-dropout mxnet-glove-tokens-dropout torch-glove-tokens-dropout-wd-1e-5 \
	torch-glove-tokens-dropout-movie-valid torch-glove-tokens-dropout-0.5 \
	mxnet-glove-tokens-dropout-0.5 torch-glove-tokens-dropout-0.5-lr-0.003 \
	mxnet-glove-tokens-dropout-0.5-lr-0.003 torch-glove-tokens-dropout-0.5-lr-0.002 \
	torch-glove-tokens-dropout-0.5-lr-0.005 mxnet-glove-tokens-dropout-0.5-lr-0.002 \
	torch-glove-tokens-dropout-0.5-lr-0.002-seed-1 \
	torch-glove-tokens-dropout-0.5-lr-0.002-warmup-cosine \
	torch-glove-tokens-dropout-0.5-lr-0.005-warmup-cosine \
	mxnet-glove-tokens-dropout-0.5-lr-0.005-warmup-cosine
ABLATION_ARGS_torch-base := --backend torch
ABLATION_ARGS_torch-glove-tokens := --backend torch --tokenizer glove
ABLATION_ARGS_torch-glove-tokens-frozen := --backend torch --tokenizer glove --freeze-embedding
ABLATION_ARGS_torch-xavier-embedding := --backend torch --embedding-init xavier
ABLATION_ARGS_torch-lr-1.5625e-4 := --backend torch --lr 1.5625e-4
ABLATION_ARGS_torch-book-recipe := --backend torch --recipe book
ABLATION_ARGS_mxnet-base := --backend mxnet
ABLATION_ARGS_mxnet-glove-tokens := --backend mxnet --tokenizer glove
ABLATION_ARGS_mxnet-book-recipe := --backend mxnet --recipe book
ABLATION_ARGS_torch-glove-tokens-dropout := --backend torch --tokenizer glove --dropout 0.3
ABLATION_ARGS_mxnet-glove-tokens-dropout := --backend mxnet --tokenizer glove --dropout 0.3
ABLATION_ARGS_torch-glove-tokens-dropout-wd-1e-5 := --backend torch --tokenizer glove --dropout 0.3 \
	--weight-decay 1e-5
ABLATION_ARGS_torch-glove-tokens-dropout-movie-valid := --backend torch --tokenizer glove \
	--dropout 0.3 --valid-split movie
ABLATION_ARGS_torch-glove-tokens-dropout-0.5 := --backend torch --tokenizer glove --dropout 0.5
ABLATION_ARGS_mxnet-glove-tokens-dropout-0.5 := --backend mxnet --tokenizer glove --dropout 0.5
ABLATION_ARGS_torch-glove-tokens-dropout-0.5-lr-0.003 := --backend torch --tokenizer glove \
	--dropout 0.5 --lr 0.003
ABLATION_ARGS_mxnet-glove-tokens-dropout-0.5-lr-0.003 := --backend mxnet --tokenizer glove \
	--dropout 0.5 --lr 0.003
ABLATION_ARGS_torch-glove-tokens-dropout-0.5-lr-0.002 := --backend torch --tokenizer glove \
	--dropout 0.5 --lr 0.002
ABLATION_ARGS_torch-glove-tokens-dropout-0.5-lr-0.005 := --backend torch --tokenizer glove \
	--dropout 0.5 --lr 0.005
ABLATION_ARGS_mxnet-glove-tokens-dropout-0.5-lr-0.002 := --backend mxnet --tokenizer glove \
	--dropout 0.5 --lr 0.002
ABLATION_ARGS_torch-glove-tokens-dropout-0.5-lr-0.002-seed-1 := --backend torch \
	--tokenizer glove --dropout 0.5 --lr 0.002 --seed 1
ABLATION_ARGS_torch-glove-tokens-dropout-0.5-lr-0.002-warmup-cosine := --backend torch \
	--tokenizer glove --dropout 0.5 --lr 0.002 --lr-schedule warmup-cosine
ABLATION_ARGS_torch-glove-tokens-dropout-0.5-lr-0.005-warmup-cosine := --backend torch \
	--tokenizer glove --dropout 0.5 --lr 0.005 --lr-schedule warmup-cosine
ABLATION_ARGS_mxnet-glove-tokens-dropout-0.5-lr-0.005-warmup-cosine := --backend mxnet \
	--tokenizer glove --dropout 0.5 --lr 0.005 --lr-schedule warmup-cosine
docs/runs/ablations/%/evaluation.json: | env
	$(PY) -m d2lsent train --keep-best-epoch $(ABLATION_ARGS_$*) --out $(@D)

ablations: $(ABLATIONS:%=docs/runs/ablations/%/evaluation.json)
	$(PY) -m d2lsent results $(ABLATIONS:%=docs/runs/ablations/%)

# The shipped model (d2lsent/pretrained/): a finished run of the preset best, stored as
# float16, and its model card: make pretrained RUN=runs/FOLDER
pretrained: env
	test -f "$(RUN)/metrics.json" || { echo "give RUN=a finished run folder"; exit 2; }
	$(PY) -c "import sys; from d2lsent import backend, pretrained; \
	  print(*pretrained.export(backend.load('torch'), sys.argv[1]))" $(RUN)

# Notebooks run in smoke size under pytest (conftest.py); `make notebooks` runs them in
# full; tests/test_browser.py opens them and the website in Chromium. One pytest worker
# per core (pytest-xdist; a module's tests, a notebook's cells, stay in one worker), one
# thread each: cores shared by more threads than they have make every process crawl.
# The modern environment runs every test that needs neither MXNet nor d2l (the others
# are skipped, with the reason); the classic one what needs them, and every notebook
# again (one set of stored outputs serves both); then the MXNet tests under MXNet 2.0.
test: env env-modern env-mx2 book browser
	OMP_NUM_THREADS=1 $(VENV_MODERN)/bin/python -m pytest -n auto --dist loadscope
	OMP_NUM_THREADS=1 $(PY) -m pytest -n auto --dist loadscope -m 'mxnet or d2l or notebook'
	$(VENV_MX2)/bin/python -m pytest -p no:nbval -o addopts= $(MX2_TESTS)

# The unit tests that need neither the full data nor training (tests/conftest.py marks
# the others 'data' or 'slow').
test-fast: env
	$(PY) -m pytest -p no:nbval -o addopts= -m 'not data and not slow' tests

# The chapter as a website, from the notebooks' stored outputs (Sphinx and MyST-NB;
# warnings are errors): build/book/html/index.html
book: build/book/html/index.html

build/book/html/index.html: $(VENV)/.installed $(wildcard notebooks/*.ipynb notebooks/solutions/*.ipynb docs/book/* docs/book/static/*)
	rm -rf build/book
	$(PY) -m sphinx -W --keep-going -q -b html -c docs/book . build/book/html
	touch $@  # copied from docs/book/root with that file's date

# Debian's Chromium and its driver, for the browser test (apt-get: needs root).
browser:
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq chromium chromium-driver; }

lab: env
	# Passive OpenMP waits: a kernel beside make train (one thread per process) keeps its
	# share of the cores instead of spinning (BENCHMARKS.md, "Sharing two cores").
	OMP_WAIT_POLICY=PASSIVE $(VENV)/bin/jupyter lab notebooks/

# Re-execute every notebook (or those named: make notebooks NOTEBOOKS=notebooks/03_birnn_torch.py)
# from its .py source and store real outputs, without progress bars (TQDM_DISABLE=1: a
# bar redraws with carriage returns); streams coalesced. The metadata filters are stored
# in each notebook too, so `jupytext --to py:percent --output -` (the pairing check)
# renders the .py exactly.
JUPYTEXT_META := {"jupytext": {"notebook_metadata_filter": "kernelspec,jupytext,-jupytext.text_representation.jupytext_version", "cell_metadata_filter": "tags,-all"}}
NOTEBOOKS ?= $(wildcard notebooks/[0-9]*.py notebooks/solutions/[0-9]*.py)
notebooks: env
	for nb in $(NOTEBOOKS); do \
	  $(VENV)/bin/jupytext --sync $$nb && \
	  $(VENV)/bin/jupytext --quiet --update-metadata '$(JUPYTEXT_META)' $${nb%.py}.ipynb && \
	  TQDM_DISABLE=1 $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.record_timing=False --ExecutePreprocessor.timeout=-1 \
	    $${nb%.py}.ipynb && \
	  $(VENV)/bin/jupyter nbconvert --to notebook --inplace \
	    --CoalesceStreamsPreprocessor.enabled=True $${nb%.py}.ipynb && \
	  $(VENV)/bin/jupytext --sync $${nb%.py}.ipynb || exit 1; \
	done

clean:
	rm -rf $(VENV) $(VENV_MODERN) $(VENV_MX2)
