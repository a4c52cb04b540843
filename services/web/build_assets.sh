#!/usr/bin/env bash
# Copies the front-end dependencies (npm) into services/web/static/vendor/, so Parlons
# serves every asset itself (no CDN). Run by `make assets` (web.mk); idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DSFR_ACCEPT_LICENSE=1  # the DSFR licence (see .dsfr.yml) is accepted for this project
if [ ! -d node_modules/@gouvfr/dsfr ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
out=services/web/static/vendor
rm -rf "$out.tmp" && mkdir -p "$out.tmp/dsfr/utility/icons" "$out.tmp/htmx" "$out.tmp/leaflet"
[ -d node_modules/swagger-ui-dist ] || npm ci --no-audit --no-fund --loglevel=error
d=node_modules/@gouvfr/dsfr/dist
cp "$d/dsfr.min.css" "$d/dsfr.module.min.js" "$d/dsfr.nomodule.min.js" "$out.tmp/dsfr/"
cp -r "$d/fonts" "$d/icons" "$d/favicon" "$out.tmp/dsfr/"
cp "$d/utility/icons/icons.min.css" "$out.tmp/dsfr/utility/icons/"
cp node_modules/htmx.org/dist/htmx.min.js "$out.tmp/htmx/"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$out.tmp/leaflet/"
cp -r node_modules/leaflet/dist/images "$out.tmp/leaflet/"
mkdir -p "$out.tmp/swagger-ui"  # /docs, the JSON API's documentation (development)
cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
   "$out.tmp/swagger-ui/"
rm -rf "$out" && mv "$out.tmp" "$out"
touch "$out/.built"
