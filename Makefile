# The two set-up commands: `make run` (the bot in this terminal) and `make test` (ruff, the docs
# build, pytest).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run slack discord test test-busy lint docs docs-serve bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "quizbot needs Python 3.11 or newer: make PYTHON=python3.11 ..."; exit 1; }
	@echo "Installing quizbot and its dependencies into $(VENV) (first run only, about two minutes)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install --progress-bar on -e '.[dev]'
	touch $(STAMP)
	@echo "Installed. In your own shell: . $(VENV)/bin/activate  (then quizbot --help)"

install: $(STAMP)

# The bot's own deliberate exits have already said what happened: Ctrl-C (130), SIGTERM's
# second signal (143), or a one-line error such as a missing token or a bad option (2). make
# adds no "*** Error" line to those; anything else (a crash) keeps its status.
BOT_EXIT = status=$$?; case $$status in 2|130|143) exit 0;; *) exit $$status;; esac

run: $(STAMP)
	@$(BIN)/quizbot console || { $(BOT_EXIT); }

slack: $(STAMP)
	@$(BIN)/quizbot slack || { $(BOT_EXIT); }

# make discord GUILD=<server id> syncs the commands to that server only (instant)
discord: $(STAMP)
	@$(BIN)/quizbot discord $(if $(GUILD),--guild $(GUILD)) || { $(BOT_EXIT); }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# the documentation site (docs/, mkdocs.yml) into site/; --strict: a broken link fails it
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

docs-pictures: $(STAMP)  # the example pictures in docs/pictures, drawn again
	$(BIN)/python tools/picture_examples.py

docs-serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

# PYTHONDONTWRITEBYTECODE= : where the environment sets it (containers often do), each pytest
# worker rewrote and compiled every test module again on every run (~9 s of CPU a worker);
# the compiled files stay in __pycache__ folders (.gitignore)
test: lint docs
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest

# the suite several times beside CPU-bound processes: a test that counts loop turns fails here
test-busy: $(STAMP)
	$(BIN)/python bench/busy_suite.py --runs $(or $(RUNS),3)

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache site
