# hayate: the two set-up commands of README.md are `make lab` and `make test`.
SHELL := /bin/bash
BUILD ?= build
MARCH ?= native

.PHONY: deps build test lint lab lab-down bench-fib bench-fwd bench-agent bench-lab clean

deps:
	scripts/deps.sh

build: deps
	scripts/build.sh $(BUILD) -Dmarch=$(MARCH)

test: deps
	scripts/test.sh

lint: deps
	scripts/lint.sh

lab: deps
	.venv/bin/ansible-playbook -i inventory/lab playbooks/lab.yml

lab-down: deps
	.venv/bin/ansible-playbook -i inventory/lab playbooks/lab.yml -e lab_state=absent

bench-fib: build
	scripts/bench-fib.sh $(BUILD)

bench-fwd: build
	scripts/bench-fwd.sh $(BUILD)

bench-agent: build
	scripts/bench-agent.sh $(BUILD)

bench-lab: deps
	scripts/bench-lab.sh

clean:
	rm -rf build build-* .venv
