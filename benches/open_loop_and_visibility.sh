#!/usr/bin/env bash
# Two figures of the status-lookup targets, on the sample data, loopback, one run:
#  1. open-loop latency of `GET /api/v1/status?lat=&lon=` at a fixed 2 000 requests/s (oha
#     with -q and --latency-correction, so a slow answer delays the schedule and is counted,
#     unlike wrk's closed loop), random points over the province;
#     and the same for `?address=` over the address corpus of the accuracy test;
#  2. commit → visible: a lockdown zone committed to PostGIS by plain SQL, until status
#     answers list it (benches/bin/commit_to_visible.rs), idle and again under the 2 000 req/s
#     load.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${SECONDS_PER_RUN:-30}"
rate="${RATE:-2000}"
rounds="${ROUNDS:-100}"
source benches/common.sh

command -v oha >/dev/null || cargo install oha --locked
cargo build --release -q -p covidmap-benches --bin commit_to_visible
start_sample_server target/bench-visible "${BENCH_PG_PORT:-55436}" "${BENCH_HTTP:-127.0.0.1:8098}"
write_points 10000 "$work/points.csv"
awk -F, -v base="http://$http" '{print base "/api/v1/status?lat=" $3 "&lon=" $2}' "$work/points.csv" >"$work/urls.txt"
write_address_urls "http://$http" "$work/address-urls.txt"

load() { # load SECONDS [URL_FILE]: oha open loop at $rate req/s over the points (or the file)
  oha --no-tui -z "$1s" -q "$rate" -c 64 --latency-correction --urls-from-file "${2:-$work/urls.txt}" \
    --output-format json
}
summary() { # what oha measured, from its JSON
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s, p = r["summary"], r["latencyPercentiles"]
ms = lambda v: f"{v * 1000:.2f} ms"
print(f"  {s['requestsPerSec']:.0f} req/s, p50 {ms(p['p50'])}, p90 {ms(p['p90'])}, p99 {ms(p['p99'])}, "
      f"p99.9 {ms(p['p99.9'])}, max {ms(s['slowest'])}, success {s['successRate'] * 100:.2f} %, "
      f"status codes {r.get('statusCodeDistribution', {})}")
PY
}

echo "== open loop: $rate req/s for ${secs}s (oha -q $rate --latency-correction, 64 connections)"
load "$secs" >"$work/oha.json"
summary "$work/oha.json"

echo "== open loop, addresses: $rate req/s for ${secs}s over the $(wc -l <"$work/address-urls.txt") corpus addresses"
load "$secs" "$work/address-urls.txt" >"$work/oha-address.json"
summary "$work/oha-address.json"

echo "== commit -> visible, idle ($rounds rounds)"
target/release/commit_to_visible "$url" "http://$http" "$rounds"

echo "== commit -> visible, under $rate req/s"
load $((rounds / 2 + 60)) >"$work/oha-during.json" &
loader=$!
sleep 3
target/release/commit_to_visible "$url" "http://$http" "$rounds"
wait $loader
echo "  the load beside it:"
summary "$work/oha-during.json"
