# The two commands the README starts with: `make demo` and `make test`. Each does all the set-up.
.PHONY: setup setup-test demo typecheck test wheel-check bench lint clean

setup:
	@./scripts/setup.sh

setup-test:
	@WITH_TEST=1 WITH_XVFB=1 ./scripts/setup.sh

demo: setup
	@.venv/bin/optout demo $(ARGS)

# mypy over assistant/ (the settings are in pyproject.toml); `make test` runs it first, so CI does.
typecheck: setup-test
	@.venv/bin/mypy

# Four workers on two cores: most of a browser test is waiting (pages, late content, time-outs), not computing.
# Then the wheel as a person installs it (WHEEL_CHECK=0 skips it, e.g. while running a few tests).
test: setup-test typecheck
	@.venv/bin/python -m pytest -q -n 4 --dist loadgroup -p no:logging --durations=15 $(PYTEST_ARGS)
	@[ "$(WHEEL_CHECK)" = 0 ] || ./scripts/wheel-check.sh

# Build the wheel, install it into a fresh virtual environment, run `optout demo` and `optout selftest` from another folder.
wheel-check: setup
	@./scripts/wheel-check.sh

bench: setup-test
	@.venv/bin/python bench/run.py $(ARGS)

lint: setup-test
	@.venv/bin/ruff check assistant tests bench

clean:
	rm -rf .venv build *.egg-info .mypy_cache
