#!/usr/bin/env bash
# What partitioning the queue by controller and year costs and saves (issue 18 §2, README "When one
# server is not enough"). Builds, in a private throw-away cluster, the requests table's queue
# columns and indexes (migration 0001) two ways with the same ~500,000 rows:
#   flat         one table, as dsrdesk has it today
#   partitioned  LIST by controller (SE, FI), each RANGE by year received (2022..2026): 10 parts
# and times each query with pgbench (one client, prepared statements as sqlx uses them, the mean
# latency over SECS seconds, default 4):
#   queue        the queue's first page: open, not paused, by due date, 50 rows (all controllers)
#   queue_one    the same for one controller and year (the partition key in the WHERE)
#   history      the first page of every request, closed included
#   by_ref       one request by reference (`dsrdesk show`): not in the partition key
#   open_counts  the open requests counted by kind (the overview's shape)
# Usage: bench/partitions.sh [ROWS]  (default 500000). Needs the PostgreSQL server programs.
set -euo pipefail
ROWS=${1:-500000}
SECS=${SECS:-4}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$BIN/initdb" ] || { echo "no PostgreSQL server programs (apt-get install postgresql)" >&2; exit 1; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dsrdesk-partitions-XXXXXX")
AS=()
if [ "$(id -u)" = 0 ]; then
  chmod 711 "$DIR"; chown postgres: "$DIR"; AS=(runuser -u postgres --)
fi
cleanup() { "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/pg" stop -m fast >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT
"${AS[@]}" "$BIN/initdb" -D "$DIR/pg" -U bench --auth=trust --no-instructions >/dev/null
cat >> "$DIR/pg/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$DIR'
shared_buffers = '256MB'
jit = off
CONF
"${AS[@]}" "$BIN/pg_ctl" -D "$DIR/pg" -l "$DIR/log" -w start >/dev/null
PSQL=("${AS[@]}" "$BIN/psql" -h "$DIR" -U bench -d postgres -v ON_ERROR_STOP=1 -qAt)

"${PSQL[@]}" <<SQL
CREATE TYPE jurisdiction AS ENUM ('SE', 'FI');
CREATE TABLE flat (
    id bigint NOT NULL, reference text NOT NULL, kind text NOT NULL, status text NOT NULL,
    jurisdiction jurisdiction NOT NULL, received_on date NOT NULL, due_on date NOT NULL,
    assignee text, pause_offset int);
-- Requests spread over five years, 60 % Swedish; the recent ones (the last 60 days) mostly open,
-- the rest closed, as at an agency that answers within the month.
INSERT INTO flat
SELECT g, 'DSR-' || lpad(g::text, 7, '0'),
       (ARRAY['access','erasure','rectification','objection','restriction','portability'])[1 + g % 6],
       CASE WHEN r > DATE '2026-11-30' - 60 AND g % 10 <> 0 THEN (ARRAY['new','in_progress'])[1 + g % 2]
            ELSE 'answered' END,
       CASE WHEN g % 5 < 3 THEN 'SE' ELSE 'FI' END::jurisdiction, r, r + 30,
       CASE WHEN g % 3 = 0 THEN NULL ELSE 'op' || g % 12 END, NULL
FROM (SELECT g, DATE '2022-01-01' + (g::bigint * 1794 / $ROWS)::int AS r
      FROM generate_series(1, $ROWS) g) s;
ALTER TABLE flat ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX flat_reference ON flat (reference);
CREATE INDEX flat_open_by_due ON flat (due_on, id) INCLUDE (kind, status, jurisdiction, assignee)
    WHERE status IN ('new', 'in_progress', 'awaiting_information');
CREATE INDEX flat_all_by_due ON flat (due_on, id);

CREATE TABLE parted (LIKE flat) PARTITION BY LIST (jurisdiction);
DO \$\$
DECLARE j text; y int;
BEGIN
  FOREACH j IN ARRAY ARRAY['SE','FI'] LOOP
    EXECUTE format('CREATE TABLE parted_%s PARTITION OF parted FOR VALUES IN (%L) PARTITION BY RANGE (received_on)', lower(j), j);
    FOR y IN 2022..2026 LOOP
      EXECUTE format('CREATE TABLE parted_%s_%s PARTITION OF parted_%s FOR VALUES FROM (%L) TO (%L)',
                     lower(j), y, lower(j), make_date(y, 1, 1), make_date(y + 1, 1, 1));
    END LOOP;
  END LOOP;
END \$\$;
INSERT INTO parted SELECT * FROM flat;
-- A primary key or a unique reference must include the partition key on a partitioned table.
ALTER TABLE parted ADD PRIMARY KEY (id, jurisdiction, received_on);
CREATE INDEX parted_reference ON parted (reference);
CREATE INDEX parted_open_by_due ON parted (due_on, id) INCLUDE (kind, status, jurisdiction, assignee)
    WHERE status IN ('new', 'in_progress', 'awaiting_information');
CREATE INDEX parted_all_by_due ON parted (due_on, id);
VACUUM ANALYZE;
SQL

OPEN="status IN ('new', 'in_progress', 'awaiting_information')"
ONE="jurisdiction = 'SE' AND received_on >= DATE '2026-01-01' AND received_on < DATE '2027-01-01'"
COLS="id, reference, kind, status, jurisdiction, due_on, assignee"
query() { # name table -> SQL
  case $1 in
    queue) echo "SELECT $COLS FROM $2 WHERE pause_offset IS NULL AND $OPEN ORDER BY due_on, id LIMIT 50;" ;;
    queue_one) echo "SELECT $COLS FROM $2 WHERE pause_offset IS NULL AND $OPEN AND $ONE ORDER BY due_on, id LIMIT 50;" ;;
    history) echo "SELECT $COLS FROM $2 ORDER BY due_on, id LIMIT 50;" ;;
    by_ref) printf '%s\n' "\\set n random(1, $ROWS)" "SELECT $COLS FROM $2 WHERE reference = 'DSR-' || lpad(:n::text, 7, '0');" ;;
    open_counts) echo "SELECT kind, count(*) FROM $2 WHERE $OPEN GROUP BY kind;" ;;
  esac
}
latency() { # SQL -> mean latency in ms
  query_file="$DIR/q.sql"; echo "$1" > "$query_file"; chmod 644 "$query_file"
  "${AS[@]}" "$BIN/pgbench" -h "$DIR" -U bench -n -M prepared -c 1 -T "$SECS" -f "$query_file" postgres 2>/dev/null \
    | awk '/latency average/ {print $4}'
}
echo "rows: $("${PSQL[@]}" -c 'SELECT count(*) FROM flat'), open: $("${PSQL[@]}" -c "SELECT count(*) FROM flat WHERE $OPEN"), partitions: $("${PSQL[@]}" -c "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind = 'r' AND c.relname LIKE 'parted%'"), PostgreSQL $("${PSQL[@]}" -c 'SHOW server_version')"
printf '%-12s %12s %14s %8s\n' query "flat ms" "partitioned ms" ratio
for q in queue queue_one history by_ref open_counts; do
  f=$(latency "$(query $q flat)"); p=$(latency "$(query $q parted)")
  printf '%-12s %12s %14s %7.2fx\n' "$q" "$f" "$p" "$(echo "$p / $f" | bc -l)"
done
echo "plans: partitions the partitioned table's plan reads"
for q in queue queue_one history open_counts; do
  echo "  $q: $("${PSQL[@]}" -c "EXPLAIN (COSTS OFF) $(query $q parted)" | grep -cE 'Scan (using|on) parted_' || true) of 10"
done
[ -n "${EXPLAIN:-}" ] && for q in $EXPLAIN; do for t in flat parted; do
  echo "--- $q $t"; "${PSQL[@]}" -c "EXPLAIN (ANALYZE, BUFFERS) $(query $q $t | grep -v '^\\set' | sed 's/:n/12345/')"
done; done
exit 0
