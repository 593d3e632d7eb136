# The two commands of the README:
#   make demo   install what is needed, start the local stack, deploy to `local`
#   make test   install what is needed and run every test
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
COLLECTION_LINK := $(VENV)/ansible_collections/acinaces/deploy
STACK := $(BIN)/python tools/local_stack.py
ARGS ?=

export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(BIN):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test deps test-deps stack-start stack-status stack-stop \
        unit integration molecule lint sanity bench clean ee

demo: deps stack-start
	$(BIN)/ansible-playbook deploy.yml -i inventories/local $(ARGS)

test: test-deps
	tools/run-tests

deps: $(VENV)/.deps-local $(COLLECTION_LINK)
	tools/install-system-packages
test-deps: $(VENV)/.deps-test $(COLLECTION_LINK)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# One stamp per requirement set: re-running installs nothing unless a pin changed.
$(VENV)/.deps-%: requirements/%.txt requirements/runtime.txt requirements/local.txt requirements/constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r $< -c requirements/constraints.txt
	touch $@

$(COLLECTION_LINK): | $(BIN)/python
	mkdir -p $(dir $@)
	ln -sfn ../../.. $@

stack-start: deps
	$(STACK) start
stack-status:
	$(STACK) status
stack-stop:
	$(STACK) stop

unit integration molecule lint sanity: test-deps
	tools/run-tests $@

# The execution environment's build context (.cache/ee/): the collection tarball, then
# `ansible-builder create`; build the image there with podman or docker.
ee: test-deps
	$(BIN)/ansible-galaxy collection build --force --output-path dist .
	$(BIN)/ansible-builder create -f execution-environment.yml -c .cache/ee --output-filename Containerfile

# Figures, not tests: each benchmark prints its measurements and whether its targets are met.
bench: test-deps
	for benchmark in bench/[a-z]*.py; do $(BIN)/python $$benchmark; done

clean: stack-stop
	rm -rf deployment .local-stack tests/output
