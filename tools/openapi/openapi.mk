# make check-openapi: lints docs/openapi/*.yaml (Redocly) and runs every worked example of
# docs/providers/*.md and docs/interface.md through Prism's validating proxy in front of
# paymock (tools/check-openapi.py).  The npm tools are pinned in tools/openapi/package-lock.json
# and installed beside it (node_modules, not committed).
.PHONY: check-openapi openapi-deps

OPENAPI_NODE     = tools/openapi/node_modules
# Redocly 2 wants Node 20.19 or later; Prism is held at a release that runs there.
OPENAPI_NODE_MIN = 20

# As `make deps` does: Debian's nodejs and npm when there is no node at all.
openapi-deps: $(OPENAPI_NODE)/.package-lock.json
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= $(OPENAPI_NODE_MIN) ? 0 : 1)' || { \
	    echo "check-openapi needs Node $(OPENAPI_NODE_MIN) or later; this is $$(node --version)" >&2; \
	    exit 1; }

# npm ci again only when the lock file changes.
$(OPENAPI_NODE)/.package-lock.json: tools/openapi/package.json tools/openapi/package-lock.json
	@command -v npm >/dev/null || { $(call install_pkgs,nodejs npm); }
	cd tools/openapi && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

check-openapi: $(BIN) openapi-deps
	@specs="$(wildcard docs/openapi/*.yaml)"; \
	if [ -z "$$specs" ]; then echo "check-openapi: no docs/openapi/*.yaml" >&2; exit 1; fi; \
	$(OPENAPI_NODE)/.bin/redocly lint --config .redocly.yaml --format=summary $$specs
	/usr/bin/python3 tools/check-openapi.py --paymock $(abspath $(BIN)) \
	    --bin $(abspath $(OPENAPI_NODE))/.bin
