# The two commands the README starts with: `make demo` and `make test`. Each does all the set-up.
.PHONY: setup setup-test demo test bench lint clean

setup:
	@./scripts/setup.sh

setup-test:
	@WITH_TEST=1 WITH_XVFB=1 ./scripts/setup.sh

demo: setup
	@.venv/bin/optout demo $(ARGS)

# Four workers on two cores: most of a browser test is waiting (pages, late content, time-outs), not computing.
test: setup-test
	@.venv/bin/python -m pytest -q -n 4 -p no:logging $(PYTEST_ARGS)

bench: setup-test
	@.venv/bin/python bench/run.py $(ARGS)

lint: setup-test
	@.venv/bin/ruff check assistant tests bench

clean:
	rm -rf .venv build *.egg-info
