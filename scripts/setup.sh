#!/usr/bin/env bash
# Installs the system packages covidmap needs (Debian 12 / Ubuntu), only those missing.
# Run as root, or with sudo available.
set -euo pipefail

packages=(
  postgresql-15-postgis-3   # PostGIS, with the PostgreSQL 15 server (initdb, pg_ctl)
  postgresql-client-15      # psql, createdb, pgbench
  libgdal-dev               # GDAL 3.6 for the gdal crate
  gdal-bin                  # ogr2ogr: test fixtures in other formats, the ingest bench
  pkg-config
  build-essential
  curl
  zip                       # the ingest bench packs a shapefile
  bc                        # and does its arithmetic
  wrk                       # HTTP load for the status bench
  libfreetype-dev           # martin-core renders label glyphs with FreeType
  fonts-dejavu-core         # DejaVu Sans: the label font, with every Vietnamese letter
  libsqlite3-dev            # MBTiles export, through the SQLite GDAL links too
  chromium                  # the browser tests (headless, driven by playwright-core)
  python3-qgis              # QGIS's OAPIF provider, headless, as an OGC API client
)
# Node.js and npm install the pages' front-end packages; Debian's are used only when the
# machine has none.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian starts a system cluster on 5432 when postgresql is installed; covidmap does not use
# it (it runs its own under data/pg), so it is left as it is.
command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust (rustup) first" >&2; exit 1; }

# An OpenAPI validator we did not write, for the test of the API's document.
python3 -c "import openapi_spec_validator" 2>/dev/null || {
  echo "setup: installing openapi-spec-validator (PyPI)"
  python3 -m pip install -q --disable-pip-version-check "openapi-spec-validator==0.7.1" 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages "openapi-spec-validator==0.7.1"
}

# A Prometheus text parser we did not write, for the test of /metrics.
python3 -c "import prometheus_client" 2>/dev/null || {
  echo "setup: installing prometheus-client (PyPI)"
  python3 -m pip install -q --disable-pip-version-check "prometheus-client==0.21.1" 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages "prometheus-client==0.21.1"
}

# The OGC API – Features test suite we did not write (Part 1 Core), with its pinned deps.
python3 -c "import ogctests" 2>/dev/null || {
  echo "setup: installing ogctests (PyPI)"
  python3 -m pip install -q --disable-pip-version-check "ogctests==0.1.15" 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages "ogctests==0.1.15"
}

# The pages' front-end packages (MapLibre GL JS) and the browser-test driver, from the npm
# registry, exactly as web/package-lock.json pins them; served by covidmap, never a CDN.
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "setup: installing the front-end packages (npm ci --prefix web)"
  npm ci --prefix web --no-audit --no-fund --loglevel=error
fi
