#!/usr/bin/env bash
# Vector tiles side by side with martin, same machine, same PostGIS, same tile list, one run:
# our `/tiles/{z}/{x}/{y}.mvt` (tiles made in memory, cached) against martin 1.14 serving the
# same tables through one PostGIS function with every layer (scripts/martin_function.sql,
# scripts/martin.yaml). The tile list: every tile over the province at z6–10 and a fixed
# random sample at z11–14 (benches/bin/tile_list.rs, seed 2021).
#  - cold: one sequential pass, each tile asked once, on a fresh server (ours: empty cache;
#    martin: cache off); tiles/s, p50/p99 latency, bytes;
#  - warm: wrk -t2 -c64 cycling through the list once every tile is cached (ours; martin with
#    its cache on), and martin with its cache off under the same load.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${SECONDS_PER_RUN:-15}"
sample="${SAMPLE:-1000}"
martin_port="${MARTIN_PORT:-3101}"
source benches/common.sh

need_wrk
# martin without its default "rendering" feature, which clones maplibre-native from GitHub.
command -v martin >/dev/null || cargo install martin --version 1.14.0 --locked --no-default-features --features postgres,mbtiles,pmtiles,fonts
cargo build --release -q -p covidmap-benches --bin tile_list
start_sample_server target/bench-tiles "${BENCH_PG_PORT:-55437}" "${BENCH_HTTP:-127.0.0.1:8099}"
psql -q "$url" -f scripts/martin_function.sql
target/release/tile_list "$sample" >"$work/tiles.txt"
echo "tiles: $(wc -l <"$work/tiles.txt") ($(grep -cE '^([6-9]|10)/' "$work/tiles.txt") at z6–10)"

martin_pid=""
start_martin() { # start_martin CACHE_MB
  [ -z "$martin_pid" ] || { kill "$martin_pid"; wait "$martin_pid" 2>/dev/null || true; }
  sed -e "s|\${MARTIN_PORT}|$martin_port|" -e "s|\${MARTIN_CACHE_MB}|$1|" -e "s|\${DATABASE_URL}|$url|" \
    scripts/martin.yaml >"$work/martin.yaml"
  martin --config "$work/martin.yaml" >"$work/martin.log" 2>&1 &
  martin_pid=$!
  until curl -sf "http://127.0.0.1:$martin_port/health" >/dev/null; do sleep 0.3; kill -0 "$martin_pid"; done
}
trap 'kill $server ${martin_pid:-} 2>/dev/null || true; "$bin" --data-dir "$work" --pg-port "$port" db stop >/dev/null 2>&1 || true' EXIT

cold_pass() { # cold_pass BASE_URL PATH_PREFIX SUFFIX NAME: each tile once, in order, one connection
  python3 - "$1" "$2" "$3" "$work/tiles.txt" "$work/cold-$4.tsv" <<'PY'
import http.client, sys, time, urllib.parse
base, prefix, suffix, tiles, out = sys.argv[1:6]
u = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(u.hostname, u.port)
lat, size, rows = [], 0, []
started = time.perf_counter()
for line in open(tiles):
    t = line.strip()
    t0 = time.perf_counter()
    conn.request("GET", f"{prefix}/{t}{suffix}")
    r = conn.getresponse(); body = r.read()
    lat.append(time.perf_counter() - t0)
    if r.status not in (200, 204):
        sys.exit(f"{t}: HTTP {r.status}")
    size += len(body); rows.append(f"{t}\t{r.status}\t{len(body)}")
total = time.perf_counter() - started
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))] * 1000
print(f"  {len(lat)} tiles in {total:.2f} s: {len(lat) / total:.0f} tiles/s, p50 {q(0.5):.2f} ms, p99 {q(0.99):.2f} ms, {size / 1e6:.2f} MB")
open(out, "w").write("\n".join(rows) + "\n")
PY
}

lua() { # lua PATH_PREFIX SUFFIX NAME: a wrk script cycling through the tiles
  cat >"$work/tiles-$3.lua" <<LUA
local paths = {}
for line in io.lines("$work/tiles.txt") do paths[#paths + 1] = "$1/" .. line .. "$2" end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA
}
warm() { # warm BASE_URL NAME
  wrk -t2 -c64 -d"${secs}s" --latency -s "$work/tiles-$2.lua" "$1" | tee "$work/wrk-$2.txt" |
    grep -E "Requests/sec|Transfer/sec|^ +(50|99)%" | sed 's/^/  /'
}
rps() { awk '/Requests\/sec/ {print $2}' "$work/wrk-$1.txt"; }

echo "== cold, ours (empty cache)"
cold_pass "http://$http" /tiles .mvt ours
echo "== cold, martin (cache off)"
start_martin 0
cold_pass "http://127.0.0.1:$martin_port" /covidmap "" martin
echo "== warm, martin without its cache (wrk -t2 -c64)"
lua /covidmap "" martin-nocache
warm "http://127.0.0.1:$martin_port" martin-nocache
echo "== warm, martin with its cache (512 MB), after one pass"
start_martin 512
cold_pass "http://127.0.0.1:$martin_port" /covidmap "" martin-warmup >/dev/null
lua /covidmap "" martin
warm "http://127.0.0.1:$martin_port" martin
echo "== warm, ours (cache filled by the cold pass)"
lua /tiles .mvt ours
warm "http://$http" ours
printf 'warm: ours / martin with cache: %.2f×; ours / martin without cache: %.2f×\n' \
  "$(echo "$(rps ours) / $(rps martin)" | bc -l)" "$(echo "$(rps ours) / $(rps martin-nocache)" | bc -l)"
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
def load(name):
    rows = (l.rstrip("\n").split("\t") for l in open(f"{work}/cold-{name}.tsv") if l.strip())
    return {t: (status, int(size)) for t, status, size in rows}
ours, martin = load("ours"), load("martin")
both = [t for t in ours if ours[t][0] == "200" and martin.get(t, ("", 0))[0] == "200"]
o, m = sum(ours[t][1] for t in both), sum(martin[t][1] for t in both)
larger = sum(1 for t in both if ours[t][1] > martin[t][1])
print(f"bytes over the {len(both)} tiles both serve: ours {o / 1e6:.2f} MB, martin {m / 1e6:.2f} MB (ours / martin {o / m:.3f}); ours larger for {larger} tiles")
empty = sum(1 for t in ours if ours[t][0] == "204"), sum(1 for t in martin if martin[t][0] == "204")
print(f"empty tiles (204): ours {empty[0]}, martin {empty[1]}")
PY
