# The two commands a newcomer types: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.lock | cut -c1-12)

.PHONY: install run test lint screens browsers certificate-tools clean prod prod-stop prod-install

$(STAMP): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: install certificate-tools
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	@# Demo claims at every stage are loaded unless EMPTY is set (make run EMPTY=1: empty start).
	$(BIN)/python manage.py load_demo $(if $(EMPTY),--empty,)
	@# The background worker (imports, exports) runs beside the server and stops with it;
	@# scripts/worker.sh starts it again if it exits with an error.
	@PYTHON=$(BIN)/python scripts/worker.sh & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

# The fonts embedded in certificate PDFs and poppler-utils, from Debian (never downloaded at run time).
certificate-tools:
	@bash scripts/install-certificate-tools.sh

# Headless Chromium from Debian (never a downloaded browser), for screenshots and browser tests.
browsers:
	@bash scripts/install-browsers.sh

screens: install browsers
	$(BIN)/python scripts/screenshots.py

# The production stack on this machine (docs/deploy.md): PostgreSQL primary + read replica,
# Redis, SeaweedFS (S3), an RQ worker, two gunicorn app servers behind nginx. Prints the URL and
# the logins. State in var/prod/ (remove it for a fresh start). APP_SERVERS=1 runs one.
# SeaweedFS (`weed`) and locust come from the lock (the `prod` and `load` extras); nginx from Debian.
prod-install: install certificate-tools
	@bash scripts/prod/install-tools.sh

prod: prod-install
	@XUESHI_PROD_APP_SERVERS=$(or $(APP_SERVERS),2) bash scripts/prod/up.sh

prod-stop:
	@bash scripts/prod/down.sh

# Regenerate the lock file after editing pyproject.toml's dependencies.
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra prod --extra load --extra ocr --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
