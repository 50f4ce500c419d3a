# dxnet — the two commands: `make run` and `make test`.
.PHONY: run test lint messages clean

run:            ## the platform on SQLite with demo data, web server + worker, on http://127.0.0.1:8000
	@scripts/run.sh

test:           ## every test, on SQLite and on a throwaway PostgreSQL, browser tests in Chromium
	@scripts/test.sh

lint:
	@scripts/setup.sh test && .venv/bin/ruff check .

messages:       ## extract and compile the translation catalogues (needs gettext)
	@scripts/setup.sh run && cd dxnet && DXNET_DEBUG=1 ../.venv/bin/python ../manage.py makemessages -l vi -l en --no-obsolete && DXNET_DEBUG=1 ../.venv/bin/python ../manage.py compilemessages

clean:
	rm -rf .venv var
