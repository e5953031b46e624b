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

# QGIS's OAPIF provider, headless, as an OGC API client. It edits (Part 4) and sends filters
# (Part 3) from 3.32 on; Debian 12 has 3.22, its backports 3.40, whose dependencies are all
# Debian 12's own but for QGIS's libraries (GDAL, PROJ and Qt stay as they are).
qgis_version="$(dpkg-query -W -f='${Version}' python3-qgis 2>/dev/null || true)"
if ! dpkg --compare-versions "${qgis_version:-0}" ge 3.32; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  release=()
  if grep -q '^VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null; then
    echo "setup: installing QGIS 3.40 from bookworm-backports"
    echo "deb http://deb.debian.org/debian bookworm-backports main" \
      | $sudo tee /etc/apt/sources.list.d/covidmap-bookworm-backports.list >/dev/null
    release=(-t bookworm-backports)
  else
    echo "setup: installing python3-qgis"
  fi
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${release[@]}" python3-qgis >/dev/null
fi

# Debian starts a system cluster on 5432 when postgresql is installed; covidmap does not use
# it (it runs its own under data/pg), so it is left as it is.
command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust (rustup) first" >&2; exit 1; }

# Tools we did not write, from PyPI, for the tests: an OpenAPI validator (the API's
# document), a Prometheus text parser (/metrics) and the OGC API – Features test suite (Part 1
# Core). Pinned, checked by version (an importable older or newer one is not enough: they
# share dependencies) and installed together, so that pip keeps those consistent.
python_tools=(openapi-spec-validator==0.7.1 prometheus-client==0.21.1 ogctests==0.1.15)
if ! python3 - "${python_tools[@]}" <<'PY'
import sys
from importlib.metadata import PackageNotFoundError, version

for spec in sys.argv[1:]:
    name, wanted = spec.split("==")
    try:
        if version(name) != wanted:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
then
  echo "setup: installing ${python_tools[*]} (PyPI)"
  python3 -m pip install -q --disable-pip-version-check "${python_tools[@]}" 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages "${python_tools[@]}"
fi

# The pages' front-end packages (MapLibre GL JS) and the browser-test driver, from the npm
# registry, exactly as web/package-lock.json pins them; served by covidmap, never a CDN.
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "setup: installing the front-end packages (npm ci --prefix web)"
  npm ci --prefix web --no-audit --no-fund --loglevel=error
fi
