# Container targets, included by the Makefile; neither is part of `make test`.
#   make docker        build the image (docker or podman, whichever exists)
#   make docker-test   build it, run it, send each provider a refund, check the health check
# Both work offline: the base image is made locally when it is missing (docker/docker-test.sh).
# IMAGE names the image (default paymock:latest); ENGINE=docker|podman picks the engine;
# PULL=1 lets the engine pull debian:bookworm-slim from its registry instead.

IMAGE ?= paymock:latest

.PHONY: docker docker-test
docker:
	IMAGE=$(IMAGE) bash docker/docker-test.sh build

docker-test:
	IMAGE=$(IMAGE) bash docker/docker-test.sh test
