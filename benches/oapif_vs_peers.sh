#!/usr/bin/env bash
# OGC API – Features side by side, same machine, same PostGIS, one run: our /ogc against
# pygeoapi 0.21 (PostgreSQL provider, gunicorn, 2 workers) and TiPg 1.6 (uvicorn, 2 workers),
# both from PyPI in a virtualenv under target/. The peers read `bench_hamlets`, a plain table
# of the current hamlets (id, name, parent_code, geom; primary key and GiST index) made from
# ours: they skip the version filter ours applies to admin_units, which favours them.
# Three requests, each under wrk -t2 -c8 for SECONDS_PER_RUN seconds:
#  - page: 1 000 hamlets;
#  - bbox: the hamlets in a 0.1° box around Vinh (limit 1 000);
#  - cql2: name LIKE 'Khối%' in CQL2 text (limit 1 000).
# Before the load each server's answer is checked to return as many features as ours.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${SECONDS_PER_RUN:-10}"
pygeoapi_port="${PYGEOAPI_PORT:-5101}"
tipg_port="${TIPG_PORT:-5102}"
source benches/common.sh

need_wrk
venv=target/bench-peers
[ -f "$venv/.installed" ] || {
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check pygeoapi==0.21.0 tipg==1.6.1 \
    uvicorn==0.55.0 gunicorn==27.0.1 psycopg2-binary==2.9.13 geoalchemy2==0.20.0 sqlalchemy==2.1.9 \
    pygeofilter==0.4.0 # (pygeoapi's PostgreSQL provider needs the last three)
  touch "$venv/.installed"
}

start_sample_server target/bench-oapif "${BENCH_PG_PORT:-55438}" "${BENCH_HTTP:-127.0.0.1:8098}"
ours="http://$http/ogc"
psql -q "$url" <<'SQL'
DROP TABLE IF EXISTS bench_hamlets;
CREATE TABLE bench_hamlets AS
  SELECT code AS id, name, parent_code, ST_Multi(geom)::geometry(MultiPolygon, 4326) AS geom
  FROM admin_units_current WHERE level = 'hamlet';
ALTER TABLE bench_hamlets ADD PRIMARY KEY (id);
CREATE INDEX ON bench_hamlets USING gist (geom);
ANALYZE bench_hamlets;
SQL

peers=()
cleanup_peers() { for p in "${peers[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap 'cleanup_peers; kill $server 2>/dev/null || true; "$bin" --data-dir "$work" --pg-port "$port" db stop >/dev/null 2>&1 || true' EXIT

cat >"$work/pygeoapi.yml" <<YML
server:
  bind: {host: 127.0.0.1, port: $pygeoapi_port}
  url: http://127.0.0.1:$pygeoapi_port
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  limits: {default_items: 10, max_items: 10000}
  map: {url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png", attribution: OSM}
logging: {level: ERROR}
metadata:
  identification: {title: bench, description: bench, keywords: [bench], keywords_type: theme, terms_of_service: none, url: http://localhost}
  license: {name: CC-BY 4.0, url: https://creativecommons.org/licenses/by/4.0/}
  provider: {name: bench, url: http://localhost}
  contact: {name: bench, position: bench, address: x, city: x, stateorprovince: x, postalcode: x, country: x, phone: x, fax: x, email: x@x, url: http://localhost, hours: x, instructions: x, role: pointOfContact}
resources:
  hamlets:
    type: collection
    title: hamlets
    description: hamlets
    keywords: [hamlets]
    extents:
      spatial: {bbox: [103.8, 18.5, 105.9, 20.0], crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84}
    providers:
      - type: feature
        name: PostgreSQL
        data: {host: 127.0.0.1, port: $port, dbname: covidmap, user: covidmap, password: "", search_path: [public]}
        id_field: id
        table: bench_hamlets
        geom_field: geom
YML
"$venv/bin/pygeoapi" openapi generate "$work/pygeoapi.yml" --output-file "$work/pygeoapi-openapi.yml" >/dev/null 2>&1
PYGEOAPI_CONFIG="$work/pygeoapi.yml" PYGEOAPI_OPENAPI="$work/pygeoapi-openapi.yml" \
  "$venv/bin/gunicorn" -w 2 -b "127.0.0.1:$pygeoapi_port" pygeoapi.flask_app:APP >"$work/pygeoapi.log" 2>&1 &
peers+=($!)
DATABASE_URL="$url" TIPG_DB_SCHEMAS='["public"]' TIPG_DB_TABLES='["public.bench_hamlets"]' TIPG_MAX_FEATURES_PER_QUERY=10000 \
  "$venv/bin/uvicorn" tipg.main:app --host 127.0.0.1 --port "$tipg_port" --workers 2 >"$work/tipg.log" 2>&1 &
peers+=($!)
for u in "http://127.0.0.1:$pygeoapi_port/collections" "http://127.0.0.1:$tipg_port/collections"; do
  for _ in $(seq 1 120); do curl -sf "$u" >/dev/null && break; sleep 0.5; done
  curl -sf "$u" >/dev/null || { echo "not serving: $u"; tail -20 "$work"/pygeoapi.log "$work"/tipg.log; exit 1; }
done

like=$(python3 -c "import urllib.parse; print(urllib.parse.quote(\"name LIKE 'Khối%'\"))")
declare -A base=([ours]="$ours/collections/hamlets/items" \
  [pygeoapi]="http://127.0.0.1:$pygeoapi_port/collections/hamlets/items" \
  [tipg]="http://127.0.0.1:$tipg_port/collections/public.bench_hamlets/items")
declare -A query=([page]="limit=1000" [bbox]="limit=1000&bbox=105.62,18.62,105.72,18.72" \
  [cql2]="limit=1000&filter=$like")
# GeoJSON from each (pygeoapi's f=json is GeoJSON); CQL2 text is pygeoapi 0.21's "cql-text".
declare -A extra=([ours]="" [pygeoapi]="&f=json" [tipg]="&f=geojson")
declare -A lang=([ours]="cql2-text" [pygeoapi]="cql-text" [tipg]="cql2-text")

returned() { curl -sf "$1" | python3 -c "import json,sys; print(len(json.load(sys.stdin)['features']))"; }
echo "request  server    features  req/s     p50       p99"
for q in page bbox cql2; do
  want=""
  for s in ours pygeoapi tipg; do
    u="${base[$s]}?${query[$q]}${extra[$s]}"
    [ "$q" != cql2 ] || u="$u&filter-lang=${lang[$s]}"
    [ -n "$want" ] || want=$(returned "$u")
    got=$(returned "$u" || echo "error")
    [ "$got" = "$want" ] || { echo "$s $q: $got features, ours $want ($u)"; exit 1; }
    wrk -t2 -c8 -d"${secs}s" --latency "$u" >"$work/wrk-$q-$s.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk-$q-$s.txt")
    p50=$(awk '$1 == "50%" {print $2}' "$work/wrk-$q-$s.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk-$q-$s.txt")
    printf "%-8s %-9s %-9s %-9s %-9s %s\n" "$q" "$s" "$got" "$rps" "$p50" "$p99"
    echo "$q $s $rps" >>"$work/rps.txt"
  done
done
python3 - "$work/rps.txt" <<'PY'
import sys
rps = {}
for line in open(sys.argv[1]):
    q, s, r = line.split()
    rps[(q, s)] = float(r)
for q in ("page", "bbox", "cql2"):
    o = rps[(q, "ours")]
    print(f"{q}: {o / rps[(q, 'pygeoapi')]:.1f}x pygeoapi, {o / rps[(q, 'tipg')]:.1f}x TiPg")
PY
