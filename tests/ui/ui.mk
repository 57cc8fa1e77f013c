# make check-ui: the QA console (src/ui, served at /__admin/ui) in headless Chromium driven
# by Selenium (tests/ui/check_ui.py): live journal, the fault form, scenarios, the clock,
# webhook replay, cross-origin refusal, the keyboard.  Screenshots go to $(BUILD)/ui-shots;
# the traffic and refunds ones are copied to UI_DOC_IMAGES when it is set
# (UI_DOC_IMAGES=docs/images renews the README's; a run leaves the tree clean).
.PHONY: check-ui ui-deps

UI_PKGS        = chromium chromium-driver python3-selenium
UI_DOC_IMAGES ?=

# As `make deps` does: Debian's packages, only those missing, when the tools are not there.
ui-deps:
	@{ [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && \
	    /usr/bin/python3 -c 'import selenium' 2>/dev/null; } || { $(call install_pkgs,$(UI_PKGS)); }

check-ui: $(BIN) ui-deps
	/usr/bin/python3 tests/ui/check_ui.py --paymock $(abspath $(BIN)) \
	    --shots $(BUILD)/ui-shots$(if $(UI_DOC_IMAGES), --doc-images $(UI_DOC_IMAGES))
