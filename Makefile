# Two commands set everything up on a fresh machine: `make handouts` and `make test`.
# Both create .venv and install the project with the pinned versions of constraints.txt.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: handouts test faces check lint bench catalogs template proof clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	$(BIN)/python -m compileall -q pipeline  # start-up speed even where bytecode is not written
	touch $(STAMP)

handouts: $(STAMP)
	$(BIN)/pipeline export --all
	$(BIN)/pipeline --sources examples/showcase export --all

# Every page of every handout as PNG under proof/ (DOCX through LibreOffice when installed).
proof: handouts
	$(BIN)/python tools/proof.py --out proof

# The regional faces (Noto Sans TC, JP, KR) that the tests of every script need: fetched once
# from the npm registry into ~/.local/share/pipeline/faces (see README, "Fonts").
faces: $(STAMP)
	$(BIN)/pipeline fonts fetch --all

test: $(STAMP) faces
	$(BIN)/ruff check pipeline tests benchmarks tools
	$(BIN)/pytest -n 2

check: $(STAMP)
	$(BIN)/pipeline check

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests benchmarks tools

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Refresh the gettext catalogs after changing UI strings (see README, "UI words").
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --sort-output --no-location --omit-header -o pipeline/locales/pipeline.pot pipeline
	$(BIN)/pybabel update -i pipeline/locales/pipeline.pot -d pipeline/locales -D pipeline --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d pipeline/locales -D pipeline
	$(BIN)/python -m pipeline.langs  # the language table, after a Babel upgrade

# The DOCX writer's template, after changing its styles in pipeline/export/docx.py (see README,
# "Layout of the code"); a test fails while the shipped one is out of date.
template: $(STAMP)
	$(BIN)/python -m pipeline.export.docx

clean:
	rm -rf $(VENV) build *.egg-info
