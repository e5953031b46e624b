#!/usr/bin/env bash
# Status lookups over the wire, side by side on the same data and machine, one run:
# `GET /api/v1/status?lat=&lon=` of our server (answers from memory: units, lockdown zones and
# points, commune level, nearest checkpoint / testing site / camp, JSON) against the
# equivalent PostGIS query through pgbench (prepared statements, same random points).
# Both with 2 client threads on this 2-core machine; prints requests/s, latency and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${SECONDS_PER_RUN:-15}"
points="${POINTS:-10000}"
source benches/common.sh

need_wrk
start_sample_server target/bench-status "${BENCH_PG_PORT:-55435}" "${BENCH_HTTP:-127.0.0.1:8097}"

# The same random points for both, over the province's bounding box (fixed seed).
write_points "$points" "$work/points.csv"
psql -q "$url" -c "CREATE TABLE IF NOT EXISTS bench_points (id int PRIMARY KEY, lon float8, lat float8)" -c "TRUNCATE bench_points"
psql -q "$url" -c "\\copy bench_points FROM '$work/points.csv' CSV"

# What /api/v1/status answers, in SQL: the unit chain, active zones covering the point,
# active lockdown points within their radius, the commune's level, and the nearest open
# checkpoint, testing site and quarantine camp with distances in metres.
cat >"$work/status.sql" <<'SQL'
\set id random(1, :points)
SELECT p.id,
  (SELECT json_agg(json_build_object('code', u.code, 'name', u.name, 'level', u.level))
     FROM admin_units u WHERE u.valid_to IS NULL AND u.level <> 'province'
      AND ST_Intersects(u.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))) AS units,
  (SELECT json_agg(json_build_object('id', z.id, 'level', z.level, 'reason', z.reason, 'since', z.started_at))
     FROM lockdown_zones z WHERE z.valid_to IS NULL AND z.status = 'active'
      AND ST_Intersects(z.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))) AS zones,
  (SELECT json_agg(lp.id) FROM lockdown_points lp WHERE lp.valid_to IS NULL AND lp.status = 'active'
      AND ST_DWithin(lp.geom::geography, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography, lp.radius_m)) AS points,
  (SELECT row_to_json(n) FROM (SELECT c.id, ST_Distance(c.geom::geography, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography) AS m
     FROM checkpoints c WHERE c.valid_to IS NULL AND c.status = 'active'
     ORDER BY c.geom <-> ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) LIMIT 1) n) AS checkpoint,
  (SELECT row_to_json(n) FROM (SELECT t.id, ST_Distance(t.geom::geography, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography) AS m
     FROM testing_sites t WHERE t.valid_to IS NULL AND t.status = 'open'
     ORDER BY t.geom <-> ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) LIMIT 1) n) AS testing_site,
  (SELECT row_to_json(n) FROM (SELECT q.id, ST_Distance(q.geom::geography, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography) AS m
     FROM quarantine_camps q WHERE q.valid_to IS NULL AND q.status = 'open'
     ORDER BY q.geom <-> ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) LIMIT 1) n) AS camp
FROM bench_points p WHERE p.id = :id;
SQL

# The bare unit lookup (the figure usually quoted for PostGIS point-in-polygon).
cat >"$work/units.sql" <<'SQL'
\set id random(1, :points)
SELECT u.code, u.name, u.level FROM bench_points p
JOIN admin_units u ON u.valid_to IS NULL AND u.level <> 'province'
 AND ST_Intersects(u.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
WHERE p.id = :id;
SQL

# wrk cycles through the same points.
cat >"$work/status.lua" <<LUA
local points = {}
for line in io.lines("$work/points.csv") do
  local id, lon, lat = line:match("(%d+),([^,]+),([^,]+)")
  points[#points + 1] = "/api/v1/status?lat=" .. lat .. "&lon=" .. lon
end
local i = 0
request = function()
  i = i % #points + 1
  return wrk.format("GET", points[i])
end
LUA

echo "== covidmap /api/v1/status (wrk -t2 -c16 -d${secs}s)"
wrk -t2 -c16 -d"${secs}s" --latency -s "$work/status.lua" "http://$http" | tee "$work/wrk.txt"
echo "== PostGIS, equivalent query (pgbench -M prepared -c2 -j2 -T$secs)"
pgbench -n -M prepared -c2 -j2 -T"$secs" -D points="$points" -f "$work/status.sql" -r "$url" 2>&1 | tee "$work/pgbench.txt" | grep -E "tps|latency"
echo "== PostGIS, units only (pgbench -M prepared -c2 -j2 -T$secs)"
pgbench -n -M prepared -c2 -j2 -T"$secs" -D points="$points" -f "$work/units.sql" -r "$url" 2>&1 | tee "$work/pgbench-units.txt" | grep -E "tps|latency"
ours=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
theirs=$(awk '/^tps/ {print $3; exit}' "$work/pgbench.txt")
units=$(awk '/^tps/ {print $3; exit}' "$work/pgbench-units.txt")
printf 'ratio (covidmap whole answers/s over HTTP / PostGIS equivalent queries/s): %.2f\n' "$(echo "$ours / $theirs" | bc -l)"
printf 'ratio (covidmap whole answers/s over HTTP / PostGIS units-only queries/s): %.2f\n' "$(echo "$ours / $units" | bc -l)"
