# hayate: the two set-up commands of README.md are `make lab` and `make test`.
SHELL := /bin/bash
BUILD ?= build
MARCH ?= native

.PHONY: deps build test lint lab lab-down bench-fib bench-fwd bench-agent bench-lab clean molecule render

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

# The lab with the full table: bring-up, convergence after a session reset (kernel and FIB), forwarding rate.
bench-lab: deps
	.venv/bin/python scripts/bench-lab.py $(BENCH_LAB_ARGS)

# The provisioning roles on a Debian 12 container (docs/provisioning.md); minutes, so not part of `make test`.
molecule: deps
	PATH=$(CURDIR)/.venv/bin:$$PATH .venv/bin/molecule test -s site-container

# Every configuration of the routers of INVENTORY into out/<host>/, for review.
INVENTORY ?= inventory/example
render: deps
	.venv/bin/ansible-playbook -i $(INVENTORY) playbooks/render.yml

clean:
	rm -rf build build-* .venv

# The bootable image (docs/image.md): `make image IMAGE_ARGS='-e image_distro=debian'`; the full VM scenario.
.PHONY: image image-vm-test
image: deps
	.venv/bin/ansible-playbook -i inventory/lab playbooks/image.yml $(IMAGE_ARGS)

image-vm-test: deps
	HAYATE_IMAGE_FULL=1 HAYATE_IMAGE_ROLES=hayate,tuning,dataplane,frr,agent,nic_thermal \
		.venv/bin/pytest -ra tests/image/test_image_full.py
