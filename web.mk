# Front-end assets and the headless browser for the end-to-end tests.
# Included by the Makefile; `run` and `test` depend on `assets`, `test` also on `chromium`.
WEB_VENDOR := services/web/static/vendor

.PHONY: assets chromium

$(WEB_VENDOR)/.built: package.json package-lock.json services/web/build_assets.sh
	bash services/web/build_assets.sh

assets: $(WEB_VENDOR)/.built

# CI is a fresh machine where we are root: install Debian's chromium when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
