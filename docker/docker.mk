# Container targets, included by the Makefile; neither is part of `make test`.
#   make docker        build the image (docker or podman, whichever exists)
#   make docker-test   build it, run it, send each provider a refund, check the health check
# The engine pulls debian:bookworm-slim when it does not have it, as for any image.
# IMAGE names the image (default paymock:latest); ENGINE=docker|podman picks the engine;
# PULL=1 pulls the base again even when it is there; OFFLINE=1 pulls nothing and builds on
# a base made here with debootstrap from this machine's Debian mirror, named
# localhost/paymock-base:bookworm-slim (docker/docker-test.sh).

IMAGE ?= paymock:latest

.PHONY: docker docker-test
docker:
	IMAGE=$(IMAGE) PULL=$(PULL) OFFLINE=$(OFFLINE) bash docker/docker-test.sh build

docker-test:
	IMAGE=$(IMAGE) PULL=$(PULL) OFFLINE=$(OFFLINE) bash docker/docker-test.sh test
