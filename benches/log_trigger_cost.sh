#!/usr/bin/env bash
# What the change log's triggers add to a one-row write transaction in the database alone:
# pgbench, one client, 2 000 transactions of one checkpoint insert each, with the triggers
# and without, twice. DATABASE_URL: a migrated covidmap database that may be written to
# (its checkpoints get the rows; the triggers are left enabled).
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to a migrated covidmap database to write into}"
script=$(mktemp)
trap 'psql "$DATABASE_URL" -qc "ALTER TABLE checkpoints ENABLE TRIGGER checkpoints_logged; ALTER TABLE checkpoints ENABLE TRIGGER checkpoints_closed" >/dev/null; rm -f "$script"' EXIT
cat >"$script" <<'SQL'
\set n random(1, 1000000000)
INSERT INTO checkpoints (id, name, geom, managed_by, status, changed_by) VALUES ('pgbench-' || :n || '-' || :client_id, 'b', ST_SetSRID(ST_MakePoint(105.68, 18.67), 4326), 'police', 'active', 'bench');
SQL
for round in 1 2; do
  for toggle in ENABLE DISABLE; do
    psql "$DATABASE_URL" -qc "ALTER TABLE checkpoints $toggle TRIGGER checkpoints_logged; ALTER TABLE checkpoints $toggle TRIGGER checkpoints_closed"
    echo "round $round, triggers ${toggle,,}d: $(pgbench -n -f "$script" -t 2000 -c 1 "$DATABASE_URL" 2>&1 | grep 'latency average')"
  done
done
