# Shared by the load scripts (source it from the repository root): a throw-away PostGIS with
# the sample data, our release server on it, and fixed random points over the province.

bin=target/release/covidmap

# need_wrk: installs wrk (Debian's) when it is missing.
need_wrk() {
  command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null || sudo apt-get install -y -qq wrk >/dev/null; }
}

# start_sample_server WORKDIR PG_PORT HTTP_ADDR (SERVE_FLAGS: more flags of serve): sets work,
# port, http, url (database URL)
# and server (pid); stops the server and the cluster when the script exits.
start_sample_server() {
  work=$1 port=$2 http=$3
  cargo build --release -q -p covidmap-cli
  "$bin" --data-dir "$work" --pg-port "$port" db stop >/dev/null 2>&1 || true
  rm -rf "$work" && mkdir -p "$work"
  "$bin" --data-dir "$work" --pg-port "$port" db start >/dev/null
  url="postgres://covidmap@127.0.0.1:$port/covidmap"
  # shellcheck disable=SC2086 # SERVE_FLAGS: extra flags, split on spaces
  DATABASE_URL="$url" "$bin" --data-dir data serve --sample --bind "$http" ${SERVE_FLAGS:-} >"$work/serve.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true; "$bin" --data-dir "$work" --pg-port "$port" db stop >/dev/null 2>&1 || true' EXIT
  until grep -q "serving on" "$work/serve.log"; do sleep 0.5; kill -0 $server; done
}

# write_points N FILE: N lines "id,lon,lat" uniform over the province's bounding box (seed 2021).
write_points() {
  python3 - "$1" >"$2" <<'PY'
import random, sys
random.seed(2021)
for i in range(1, int(sys.argv[1]) + 1):
    print(f"{i},{random.uniform(103.87, 105.83):.6f},{random.uniform(18.55, 20.00):.6f}")
PY
}

# write_address_urls BASE FILE: a status-by-address URL per address of the accuracy corpus.
write_address_urls() {
  python3 - "$1" tests/fixtures/addresses.tsv >"$2" <<'PY'
import sys, urllib.parse
for line in open(sys.argv[2], encoding="utf-8").read().splitlines()[1:]:
    print(f"{sys.argv[1]}/api/v1/status?address={urllib.parse.quote(line.split(chr(9))[0])}")
PY
}
