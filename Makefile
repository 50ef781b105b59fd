# tinhso: two commands for a fresh machine.
#   make run   - virtualenv, install, migrate, demo province, serve on http://127.0.0.1:8000
#                with the task worker and the scheduler (one Ctrl-C stops all three)
#   make test  - lint, migration check, the whole test suite on SQLite, its database-sensitive
#                part (-m "pg or postgres_only") on PostgreSQL
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
NATIONAL_PORTAL_PORT ?= 8790
SSO_PORT ?= 8791
EXCHANGE_AXIS_PORT ?= 8792
SIGNING_AGENT_PORT ?= 8796
# The demo agencies connected to the stand-in exchange axis (code=secret; docs/exchange.md).
EXCHANGE_AGENCIES ?= H44=demo-axis-h44,H44.01=demo-axis-h44-01,H44.02=demo-axis-h44-02,H44.03=demo-axis-h44-03,H44.04=demo-axis-h44-04,H44.05=demo-axis-h44-05
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/tinhso_test
PYTEST_ARGS ?=
# The PostgreSQL half runs the database-sensitive tests only (the rule: docs/architecture.md).
PG_MARKS ?= pg or postgres_only
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install sysdeps-run sysdeps-test messages migrate demo lint test-sqlite test-postgres clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The venv's own pip installs the project (editable installs need pip >= 21.3; Python 3.11 ships
# 22.3 or newer): upgrading it first cost a look-up and a download on every fresh install.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

sysdeps-run:
	@scripts/system-deps.sh run

sysdeps-test:
	@scripts/system-deps.sh test

messages: install
	@if [ -f tinhso/locale/vi/LC_MESSAGES/django.po ]; then \
		DJANGO_SETTINGS_MODULE=tinhso.settings $(BIN)/python manage.py compilemessages -l vi --ignore .venv -v 0; \
	fi

migrate: install messages
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v 0

demo: migrate
	$(BIN)/python manage.py load_demo

# The demo syncs with the stand-in national portal (tinhso.standins.national_portal), started by
# run-all on NATIONAL_PORTAL_PORT; the catalogue's verified national codes fill the mapping table.
# Sign-in with VNeID goes to the stand-in SSO (tinhso.standins.sso) on SSO_PORT, also started by
# run-all with this server registered as its client (demo accounts listed on its sign-in page).
# Documents to and from agencies outside the platform go through the stand-in exchange axis
# (tinhso.standins.edxml_axis) on EXCHANGE_AXIS_PORT, also started by run-all.
# Leaders sign and clerks seal through the stand-in signing agent (tinhso.standins.signing_agent)
# on SIGNING_AGENT_PORT, started by run-all with the tokens load_demo_signing issued from the
# stand-in PKI; each officer's page finds their own token under /<user name>/.
run: sysdeps-run demo
	$(BIN)/python manage.py national_codes_from_catalogue
	TINHSO_NATIONAL_PORTAL_URL=http://127.0.0.1:$(NATIONAL_PORTAL_PORT) TINHSO_NATIONAL_PORTAL_STANDIN=1 \
	TINHSO_SSO_ISSUER=http://127.0.0.1:$(SSO_PORT)/oauth2 TINHSO_SSO_STANDIN=1 \
	TINHSO_SSO_CLIENT_ID=tinhso TINHSO_SSO_CLIENT_SECRET=tinhso-sso-demo-secret \
	TINHSO_EXCHANGE_AXIS_URL=http://127.0.0.1:$(EXCHANGE_AXIS_PORT) TINHSO_EXCHANGE_AXIS_STANDIN=1 \
	TINHSO_EXCHANGE_AGENCIES=$(EXCHANGE_AGENCIES) \
	TINHSO_SIGNING_AGENT_URL='http://127.0.0.1:$(SIGNING_AGENT_PORT)/{user}' TINHSO_SIGNING_AGENT_STANDIN=1 \
		$(BIN)/python manage.py run_all $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run -v 1

test-sqlite: install messages
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup $(PYTEST_ARGS)

test-postgres: install messages
	@if $(BIN)/python scripts/pg_available.py "$(PG_TEST_URL)"; then \
		DATABASE_URL="$(PG_TEST_URL)" $(BIN)/python -m pytest -q -n 2 --dist loadgroup \
			-m "$(PG_MARKS)" $(PYTEST_ARGS); \
	else \
		echo "################################################################"; \
		echo "## SKIPPED: the PostgreSQL half of the suite: no server at $(PG_TEST_URL)"; \
		echo "################################################################"; \
	fi

test: sysdeps-test lint test-sqlite test-postgres

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
