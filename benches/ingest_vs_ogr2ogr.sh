#!/usr/bin/env bash
# Ingest throughput, side by side in one run on the same PostGIS: `covidmap ingest` (read,
# decode, reproject VN-2000 → WGS 84, validate/repair, parent containment, diff, versioned
# insert in one transaction) against `ogr2ogr -f PostgreSQL` (read, reproject, COPY) of the
# same zipped shapefile: the ~6 000 generated hamlets in VN-2000 / TM-3 with an ESRI .prj that
# lost its datum shift, as district offices send them. Each run starts from the same database
# (districts and communes loaded, no hamlets), cloned from a template. Prints medians.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${RUNS:-5}"
port="${BENCH_PG_PORT:-55434}"
work="target/bench-ingest"
bin=target/release/covidmap

cargo build --release -q -p covidmap-cli
"$bin" --data-dir "$work" --pg-port "$port" db stop >/dev/null 2>&1 || true
rm -rf "$work" && mkdir -p "$work"
"$bin" --data-dir "$work" --pg-port "$port" db start >/dev/null
trap '"$bin" --data-dir "$work" --pg-port "$port" db stop >/dev/null 2>&1 || true' EXIT
admin="postgres://covidmap@127.0.0.1:$port/postgres"
url() { echo "postgres://covidmap@127.0.0.1:$port/$1"; }

[ -f data/generated/hamlets.geojson ] || "$bin" demo-data >/dev/null
psql -q "$admin" -c "CREATE DATABASE bench_base"
DATABASE_URL=$(url bench_base) "$bin" ingest data/real/nghe_an_districts.geojson --level district >/dev/null
DATABASE_URL=$(url bench_base) "$bin" ingest data/generated/communes.geojson --level commune >/dev/null

# The hamlets as district offices send them: VN-2000 / TM-3 104°45′, .prj without the shift.
tm3="+proj=tmerc +lat_0=0 +lon_0=104.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278 +units=m +no_defs"
ogr2ogr -f "ESRI Shapefile" "$work/hamlets.shp" data/generated/hamlets.geojson -t_srs "$tm3" -lco ENCODING=UTF-8
(cd "$work" && zip -q hamlets.zip hamlets.shp hamlets.shx hamlets.dbf hamlets.prj hamlets.cpg)
features=$(ogrinfo -so -al "$work/hamlets.shp" | awk -F': ' '/Feature Count/ {print $2}')

fresh() { psql -q "$admin" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 TEMPLATE bench_base"; }
seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); echo "$end - $start" | bc -l; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

ogr() { ogr2ogr "$@" -f PostgreSQL "PG:host=127.0.0.1 port=$port user=covidmap dbname=bench_ogr" \
    "/vsizip/$work/hamlets.zip/hamlets.shp" -t_srs EPSG:4326 -nln ogr_hamlets -nlt MULTIPOLYGON -lco GEOMETRY_NAME=geom; }

ours=() ; theirs=() ; tuned=()
for i in $(seq "$runs"); do
  fresh bench_ours
  ours+=("$(DATABASE_URL=$(url bench_ours) seconds "$bin" ingest "$work/hamlets.zip" --level hamlet)")
  fresh bench_ogr
  theirs+=("$(seconds ogr)")
  # ogr2ogr spared the EPSG search that covidmap skips (not its default; for reference).
  fresh bench_ogr
  tuned+=("$(seconds ogr --config USE_OSR_FIND_MATCHES NO)")
done
stored=$(psql -tA "$(url bench_ours)" -c "SELECT count(*) FROM admin_units WHERE level = 'hamlet'")
copied=$(psql -tA "$(url bench_ogr)" -c "SELECT count(*) FROM ogr_hamlets")
m_ours=$(printf '%s\n' "${ours[@]}" | median)
m_theirs=$(printf '%s\n' "${theirs[@]}" | median)
m_tuned=$(printf '%s\n' "${tuned[@]}" | median)
printf 'features in file: %s (covidmap stored %s, ogr2ogr copied %s)\n' "$features" "$stored" "$copied"
printf 'covidmap ingest: runs %s s, median %.3f s, %.0f features/s\n' "${ours[*]}" "$m_ours" "$(echo "$features / $m_ours" | bc -l)"
printf 'ogr2ogr:         runs %s s, median %.3f s, %.0f features/s\n' "${theirs[*]}" "$m_theirs" "$(echo "$features / $m_theirs" | bc -l)"
printf 'ogr2ogr, USE_OSR_FIND_MATCHES=NO: runs %s s, median %.3f s, %.0f features/s\n' "${tuned[*]}" "$m_tuned" "$(echo "$features / $m_tuned" | bc -l)"
printf 'ratio (covidmap rate / ogr2ogr rate): %.2f (against the tuned ogr2ogr: %.2f)\n' "$(echo "$m_theirs / $m_ours" | bc -l)" "$(echo "$m_tuned / $m_ours" | bc -l)"
