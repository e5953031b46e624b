#!/usr/bin/env bash
# The change feeds' figures, on the sample data, loopback, one run, under the 2 000 req/s
# open-loop load of status requests (oha, as benches/open_loop_and_visibility.sh):
# commit -> SSE event, commit -> webhook received, a backlog of 10 000 drained, and what the
# change log adds to a write (benches/bin/change_latency.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

rate="${RATE:-2000}"
rounds="${ROUNDS:-200}"
source benches/common.sh

command -v oha >/dev/null || cargo install oha --locked
cargo build --release -q -p covidmap-benches --bin change_latency
SERVE_FLAGS="--webhooks-on-loopback" start_sample_server target/bench-feeds "${BENCH_PG_PORT:-55437}" "${BENCH_HTTP:-127.0.0.1:8097}"
token=$(DATABASE_URL="$url" "$bin" token create --org cong-an --role editor --label bench 2>/dev/null | tail -1)
write_points 10000 "$work/points.csv"
awk -F, -v base="http://$http" '{print base "/api/v1/status?lat=" $3 "&lon=" $2}' "$work/points.csv" >"$work/urls.txt"

echo "== change feeds under $rate req/s ($rounds rounds)"
oha --no-tui -z 600s -q "$rate" -c 64 --latency-correction --urls-from-file "$work/urls.txt" \
  --output-format json >"$work/oha.json" &
loader=$!
sleep 3
target/release/change_latency "$url" "http://$http" "$token" "$rounds" "${WRITE_GAP_MS:-0}"
kill -INT $loader 2>/dev/null || true
wait $loader 2>/dev/null || true
python3 - "$work/oha.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception:
    sys.exit(0)
s, p = r["summary"], r["latencyPercentiles"]
print(f"  the load beside it: {s['requestsPerSec']:.0f} req/s, p99 {p['p99'] * 1000:.2f} ms, success {s['successRate'] * 100:.2f} %")
PY
