#!/usr/bin/env bash
# Installs the pages' front-end packages from the npm registry (exact versions from
# package-lock.json) and copies the files the pages load into api/static/vendor/, which the
# app serves under /static/vendor/. Nothing is fetched from a CDN at run time.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
  echo "web/vendor.sh: npm is not installed; the pages will run without htmx and Leaflet" >&2
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
vendor=../api/static/vendor
rm -rf "$vendor"
mkdir -p "$vendor/htmx" "$vendor/leaflet" "$vendor/leaflet-geoman"
cp node_modules/htmx.org/dist/htmx.min.js "$vendor/htmx/"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$vendor/leaflet/"
cp -r node_modules/leaflet/dist/images "$vendor/leaflet/"
cp node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js \
  node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css "$vendor/leaflet-geoman/"
for package in htmx.org leaflet @geoman-io/leaflet-geoman-free; do
  cp "node_modules/$package/LICENSE" "$vendor/$(basename "$package").LICENSE" 2>/dev/null || true
done
