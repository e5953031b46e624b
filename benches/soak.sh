#!/usr/bin/env bash
# Soak: SOAK_SECONDS (default 600) of mixed load on the release server over the sample data,
# loopback, one run, and what held:
#  - 2 000 requests/s in all, open loop (oha -q, --latency-correction): status by point 900/s,
#    by address 300/s, tiles 800/s over the tile benches' list (z11–14);
#  - 200 change streams held open the whole time, each counting the events it receives;
#  - one write a second, by the district committees of four districts in turn (a new zone,
#    then its edit, then its lift), each followed until status answers show it (or no
#    longer show it, once lifted);
#  - the server's resident memory every 10 s.
# It prints each load's latencies and status codes, the writes and how long each took to be
# visible, the streams' events, and the memory at 1 min and at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${SOAK_SECONDS:-600}"
source benches/common.sh

command -v oha >/dev/null || cargo install oha --locked
cargo build --release -q -p covidmap-benches --bin tile_list
start_sample_server target/bench-soak "${BENCH_PG_PORT:-55437}" "${BENCH_HTTP:-127.0.0.1:8097}"
base="http://$http"

write_points 10000 "$work/points.csv"
awk -F, -v base="$base" '{print base "/api/v1/status?lat=" $3 "&lon=" $2}' "$work/points.csv" >"$work/points.txt"
write_address_urls "$base" "$work/addresses.txt"
target/release/tile_list 2000 | awk -v base="$base" '{print base "/tiles/" $1 ".mvt"}' >"$work/tiles.txt"

# Four district committees, each drawing near a point inside its own district.
writers=()
for district in 412 429 430 427; do
  token=$(DATABASE_URL="$url" "$bin" token create --org "ubnd-$district" --role editor --label soak 2>/dev/null | grep -o 'cm_[A-Za-z0-9_-]*' | head -1)
  centre=$(psql "$url" -At -F, -c "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM admin_units WHERE code = '$district' AND valid_to IS NULL) s")
  writers+=("$token,$centre")
done

load() { # load RATE URL_FILE OUT: oha open loop for the soak's length
  oha --no-tui -z "${secs}s" -q "$1" -c 48 --latency-correction --urls-from-file "$2" \
    --output-format json >"$3"
}
summary() { # what oha measured, from its JSON
  python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))
s, p = r["summary"], r["latencyPercentiles"]
ms = lambda v: f"{v * 1000:.2f} ms"
codes = r.get("statusCodeDistribution", {})
bad = sum(n for c, n in codes.items() if not c.startswith("2"))
errors = sum(r.get("errorDistribution", {}).values())
print(f"  {sys.argv[1]}: {s['requestsPerSec']:.0f} req/s, p50 {ms(p['p50'])}, p99 {ms(p['p99'])}, "
      f"p99.9 {ms(p['p99.9'])}, max {ms(s['slowest'])}; status codes {codes}; "
      f"{bad} non-2xx, {errors} connection errors")
PY
}

# 200 change streams, counting `change` events.
python3 - "$http" 200 "$secs" >"$work/streams.txt" <<'PY' &
import asyncio, sys
host, port = sys.argv[1].split(":")
count, secs = int(sys.argv[2]), float(sys.argv[3])
async def stream(events):
    r, w = await asyncio.open_connection(host, int(port))
    w.write(f"GET /api/v1/changes HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await w.drain()
    status = (await r.readline()).decode()
    if " 200 " not in status:
        events.append(-1)
        return
    n = 0
    try:
        while True:
            line = await r.readline()
            if not line:
                break
            if line.startswith(b"event: change"):
                n += 1
    except (asyncio.CancelledError, ConnectionError):
        pass
    events.append(n)
async def main():
    events = []
    tasks = [asyncio.create_task(stream(events)) for _ in range(count)]
    await asyncio.sleep(secs)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    refused = sum(1 for e in events if e < 0)
    got = sorted(e for e in events if e >= 0)
    print(f"  streams: {len(got)} held, {refused} refused; events each: min {got[0] if got else 0}, max {got[-1] if got else 0}")
asyncio.run(main())
PY
streams=$!

# One write a second, each followed until status answers show it.
# (SOAK_WRITES=0 leaves the writes out, to see what they cost the readers.)
[ "${SOAK_WRITES:-1}" = 0 ] && writers=()
python3 - "$base" "$secs" "${writers[@]}" >"$work/writes.txt" <<'PY' &
import json, sys, time, urllib.request, urllib.error
base, secs = sys.argv[1], float(sys.argv[2])
if len(sys.argv) < 4:
    print("  writes: none (SOAK_WRITES=0)")
    sys.exit(0)
tokens = [w.split(",")[0] for w in sys.argv[3:]]
centres = [tuple(map(float, w.split(",")[1:])) for w in sys.argv[3:]]
def send(method, path, token, body):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (urllib.error.URLError, OSError) as e:  # counted as a failed write
        return 0, str(e)
def covered(lon, lat, zone_id):
    try:
        with urllib.request.urlopen(f"{base}/api/v1/status?lat={lat}&lon={lon}", timeout=5) as r:
            answer = json.load(r)
    except (urllib.error.URLError, OSError):
        return None  # neither: polled again
    return any(c.get("id") == zone_id for c in answer["lockdown"]["covered_by"])
def zone(lon, lat, name, step):
    d = 0.0005 + 0.0001 * (step % 3)
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"name": name, "level": 3, "reason": "soak", "started_at": "2021-09-13T08:00:00+07:00"}}
writes, failed, invisible, slowest = 0, [], 0, 0.0
open_zones = {}
start = time.time()
i = 0
while time.time() - start < secs - 5:
    tick = time.time()
    agency = i % len(tokens)
    lon, lat = centres[agency]
    # Each new zone a little further along, within a kilometre of the district's point.
    lon += 0.001 * ((i // len(tokens)) % 9 - 4)
    token = tokens[agency]
    zone_id, (zlon, zlat) = open_zones.get(agency, (None, (lon, lat)))
    if zone_id is None:
        status, answer = send("POST", "/api/v1/zones", token, zone(lon, lat, f"soak {i}", i))
        expect, here = True, (lon, lat)
        if status == 201:
            zone_id = answer["id"]
            open_zones[agency] = (zone_id, here)
    elif i // len(tokens) % 3 == 1:
        status, answer = send("PUT", f"/api/v1/zones/{zone_id}", token, zone(lon, lat, f"soak {i} sửa", i))
        expect, here = True, (lon, lat)
        open_zones[agency] = (zone_id, here)
    else:
        status, answer = send("POST", f"/api/v1/zones/{zone_id}/lift", token, {"reason": "soak"})
        expect, here = False, (zlon, zlat)
        open_zones.pop(agency, None)
    writes += 1
    if status not in (200, 201):
        failed.append((status, str(answer)[:200]))
    elif zone_id is not None:
        while covered(*here, zone_id) != expect:
            if time.time() - tick > 5:
                invisible += 1
                break
            time.sleep(0.01)
        slowest = max(slowest, time.time() - tick)
    i += 1
    time.sleep(max(0.0, 1.0 - (time.time() - tick)))
print(f"  writes: {writes}, failed {len(failed)} {failed[:3]}, not visible within 5 s: {invisible}, slowest write → visible {slowest * 1000:.0f} ms")
PY
writer=$!

# Resident memory every 10 s.
(
  for ((t = 0; t <= secs; t += 10)); do
    echo "$t $(awk '/VmRSS/ {print $2}' /proc/$server/status)"
    sleep 10
  done
) >"$work/rss.txt" &
sampler=$!

echo "== soak: ${secs}s at 2 000 req/s (status by point 900/s, by address 300/s, tiles 800/s), 200 change streams, a write a second"
load 900 "$work/points.txt" "$work/points.json" &
p1=$!
load 300 "$work/addresses.txt" "$work/addresses.json" &
p2=$!
load 800 "$work/tiles.txt" "$work/tiles.json" &
p3=$!
wait $p1
wait $p2
wait $p3
wait $writer
wait $streams
kill $sampler 2>/dev/null || true
summary "status by point" "$work/points.json"
summary "status by address" "$work/addresses.json"
summary "tiles" "$work/tiles.json"
cat "$work/writes.txt" "$work/streams.txt"
python3 - "$work/rss.txt" <<'PY'
import sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 2]
if not rows:
    sys.exit("  resident memory: no samples")
first = next((kb for t, kb in rows if t >= 60), rows[0][1])
peak = max((kb for t, kb in rows if t >= 60), default=first)
print(f"  resident memory: start {rows[0][1] / 1024:.0f} MB, at 1 min {first / 1024:.0f} MB, "
      f"peak after 1 min {peak / 1024:.0f} MB, end {rows[-1][1] / 1024:.0f} MB "
      f"({(rows[-1][1] - first) / first * 100:+.1f} % since 1 min)")
PY
echo "  server log lines with \"error\" or \"panicked\": $(grep -ciE 'panicked|error' "$work/serve.log" || true)"
