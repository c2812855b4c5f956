#!/usr/bin/env bash
# Crime-map benchmark (docs/benchmarks.md, "Crime map"): in one run on this machine,
#   1. `centinela import complaints` of the CDMX file (650,905 rows) into a fresh SQLite
#      database and into PostgreSQL (bar: <= 10 s);
#   2. bench/analytics/analytics_bench: the CDMX rows plus a seeded synthetic scale-up to
#      ANALYTICS_TOTAL incidents in the in-memory index; 250 m grid aggregation for one month
#      (June 2020) and for the whole range (bars on 10 M: <= 50 ms and <= 1 s);
#   2b. Gi* (default band, FDR bins; crime/hotspot_grid.h) on each of those grid results over
#      the rectangle around their non-empty cells;
#   3. the anchor: the same rows in PostgreSQL + PostGIS (table bench_incidents,
#      geometry(Point, 4326), B-tree on time; no GiST index: a grid count reads every row of
#      the window whatever the index) and the same aggregation in SQL, in the same run; the
#      ratio (bar: >= 5x).
#
# usage: bench/analytics/run.sh [BUILD_DIR]      (default BUILD_DIR: build)
# Environment: ANALYTICS_TOTAL=10000000  ANALYTICS_SEED=42  ANALYTICS_RUNS=15
#              ANALYTICS_PG_RUNS=5  ANALYTICS_SKIP_POSTGIS=1  BENCH_KEEP=1
# Needs: centinela and analytics_bench built in BUILD_DIR; PostgreSQL 15 and, for the
# anchor, postgresql-15-postgis-3 (scripts/install-deps.sh --with-bench).
set -euo pipefail

bench_name=bench/analytics bench_keep=BENCH_KEEP
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bench_build "${1:-build}"
bench="$build/bench/analytics/analytics_bench"
bench_need "centinela analytics_bench" "$centinela" "$bench"
bench_in_postgres ANALYTICS_IN_PG "$0" "$build"

# The full CDMX file (10 MB) is not carried by the repository: CENTINELA_LARGE_DATA_DIR names the
# folder of the shared public data (default: ../shared/data beside the checkout).
data_dir="${CENTINELA_LARGE_DATA_DIR:-$repo/../shared/data}"
cdmx="$data_dir/crime/cdmx_carpetas_2019_2021.csv.gz"
mapping="$repo/mappings/cdmx_carpetas.toml"
if [ ! -r "$cdmx" ]; then
  echo "analytics bench: skipped: $cdmx is absent (set CENTINELA_LARGE_DATA_DIR to the shared data folder)" >&2
  exit 0
fi
total="${ANALYTICS_TOTAL:-10000000}"
seed="${ANALYTICS_SEED:-42}"
runs="${ANALYTICS_RUNS:-15}"
pg_runs="${ANALYTICS_PG_RUNS:-5}"
bench_tmp analytics
psql_bin="$(command -v psql || ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -1)"
pg() { "$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$CENTINELA_TEST_PG_URL" "$@"; }
now_s() { date +%s.%N; }
cpu() { awk '{printf "%.1f", $1+$2}' <<<"$(ps -o cutime=,cstime= -p $$ 2>/dev/null || echo "0 0")"; }

echo "== Centinela crime-map benchmark =="
echo "date        $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "git commit  $(bench_commit)"
echo "cpu         $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo) ($(nproc) cores)"
echo "load        $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at start"
echo

echo "-- 1. import of the CDMX file (one transaction; wall time of the whole command) --"
for backend in sqlite postgresql; do
  if [ "$backend" = sqlite ]; then target=(--data-dir "$tmp/sqlite"); else target=(--db "$CENTINELA_TEST_PG_URL"); fi
  start="$(now_s)"
  /usr/bin/time -f "%U %S" -o "$tmp/time.$backend" "$centinela" import complaints "$cdmx" --mapping "$mapping" \
    --errors "$tmp/errors.$backend.csv" "${target[@]}" >"$tmp/import.$backend.out" 2>"$tmp/import.$backend.err" ||
    { cat "$tmp/import.$backend.err" >&2; die "import into $backend failed"; }
  wall="$(awk -v a="$start" -v b="$(now_s)" 'BEGIN{printf "%.2f", b-a}')"
  read -r user sys <"$tmp/time.$backend"
  echo "$backend: $(grep -a 'read [0-9]' "$tmp/import.$backend.out" | sed 's/^.*: read/read/')"
  echo "$backend: wall ${wall} s, cpu user ${user} s + sys ${sys} s"
done
echo

echo "-- 2. in-memory index: CDMX + synthetic scale-up to $total (seed $seed), 250 m grid --"
csv_arg=()
if [ "${ANALYTICS_SKIP_POSTGIS:-0}" != 1 ]; then csv_arg=(--csv "$tmp/incidents.csv"); fi
json="$("$bench" --file "$cdmx" --mapping "$mapping" --total "$total" --seed "$seed" --runs "$runs" "${csv_arg[@]}")"
echo "$json"
jget() { grep -o "\"$1\":[^,}]*" <<<"$json" | head -1 | cut -d: -f2; }
month_ms="$(jget month_ms_median)"; full_ms="$(jget full_ms_median)"
echo "one month (June 2020): $(jget month_rows) rows -> $(jget month_cells) cells, median ${month_ms} ms (p95 $(jget month_ms_p95))"
echo "full range:            $(jget full_rows) rows -> $(jget full_cells) cells, median ${full_ms} ms (p95 $(jget full_ms_p95))"
echo "Gi* on the month grid: $(jget gi_month_study_cells) study cells, band $(jget gi_month_band_m) m, hot $(jget gi_month_hot) / cold $(jget gi_month_cold) (FDR), |z| >= 2.5758: $(jget gi_month_z99); median $(jget gi_month_ms_median) ms (p95 $(jget gi_month_ms_p95))"
echo "Gi* on the full grid:  $(jget gi_full_study_cells) study cells, band $(jget gi_full_band_m) m, hot $(jget gi_full_hot) / cold $(jget gi_full_cold) (FDR), |z| >= 2.5758: $(jget gi_full_z99); median $(jget gi_full_ms_median) ms (p95 $(jget gi_full_ms_p95))"
echo

if [ "${ANALYTICS_SKIP_POSTGIS:-0}" = 1 ]; then echo "(PostGIS anchor skipped)"; exit 0; fi
echo "-- 3. anchor: PostgreSQL 15 + PostGIS, same rows, same cells --"
pg -c "CREATE EXTENSION IF NOT EXISTS postgis" || die "PostGIS is not installed (postgresql-15-postgis-3)"
pg -c "SELECT 'postgis ' || postgis_lib_version()" -t
start="$(now_s)"
pg <<SQL
CREATE UNLOGGED TABLE stage (t_ms BIGINT, lat DOUBLE PRECISION, lon DOUBLE PRECISION, category TEXT);
\copy stage FROM '$tmp/incidents.csv' WITH (FORMAT csv)
CREATE TABLE bench_incidents AS
  SELECT t_ms, category, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geometry(Point, 4326) AS geom FROM stage;
DROP TABLE stage;
CREATE INDEX bench_incidents_t ON bench_incidents (t_ms);
VACUUM ANALYZE bench_incidents;
SQL
echo "load: $(awk -v a="$start" -v b="$(now_s)" 'BEGIN{printf "%.0f", b-a}') s for $(pg -t -A -c 'SELECT count(*) FROM bench_incidents') rows"
lat0=19.40; lon0=-99.13
dlat="$(jget cell_dlat)"; dlon="$(jget cell_dlon)"
from="$(jget month_from_ms)"; to="$(jget month_to_ms)"
cells_sql() {
  echo "SELECT floor((ST_Y(geom) - $lat0) / $dlat)::int AS iy, floor((ST_X(geom) - $lon0) / $dlon)::int AS ix, count(*)
        FROM bench_incidents $1 GROUP BY 1, 2"
}
time_pg() {  # median of pg_runs runs of EXPLAIN ANALYZE execution time, and the cell count
  local where="$1" times=()
  for _ in $(seq 1 "$pg_runs"); do
    times+=("$(pg -t -A -c "EXPLAIN (ANALYZE, FORMAT JSON) $(cells_sql "$where")" | grep -o '"Execution Time": [0-9.]*' | awk '{print $3}')")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'
}
pg_month="$(time_pg "WHERE t_ms >= $from AND t_ms < $to")"
pg_month_cells="$(pg -t -A -c "SELECT count(*) FROM ($(cells_sql "WHERE t_ms >= $from AND t_ms < $to")) c")"
pg_full="$(time_pg "")"
pg_full_cells="$(pg -t -A -c "SELECT count(*) FROM ($(cells_sql "")) c")"
echo "one month: $pg_month_cells cells, median ${pg_month} ms (EXPLAIN ANALYZE execution time, $pg_runs runs)"
echo "full range: $pg_full_cells cells, median ${pg_full} ms"

# Gi* in SQL on the same month cells (PostGIS has no Gi*; this is the same statistic in
# plain SQL over the grid the query above builds: the rectangle around the non-empty cells,
# the bench's band, binary weights, self included; |z| >= 2.5758 counted, no FDR).
band_cells="$(awk -v b="$(jget gi_month_band_m)" 'BEGIN{printf "%.6f", b/250}')"
# Both sides start from the grid result: the month's cells are materialised first.
pg -c "DROP TABLE IF EXISTS bench_month_cells" -c "CREATE TABLE bench_month_cells AS $(cells_sql "WHERE t_ms >= $from AND t_ms < $to")" -c "ANALYZE bench_month_cells"
gi_sql() {
  cat <<SQL
WITH c AS (SELECT iy, ix, count::float8 AS n FROM bench_month_cells),
 r AS (SELECT min(ix) AS x0, max(ix) AS x1, min(iy) AS y0, max(iy) AS y1 FROM c),
 g AS (SELECT gx AS x, gy AS y, coalesce(c.n, 0) AS v FROM r CROSS JOIN generate_series(r.x0, r.x1) gx
        CROSS JOIN generate_series(r.y0, r.y1) gy LEFT JOIN c ON c.ix = gx AND c.iy = gy),
 s AS (SELECT count(*)::float8 AS n, avg(v) AS m, sqrt(avg(v * v) - avg(v) ^ 2) AS sd FROM g),
 o AS (SELECT dx, dy FROM generate_series(-floor($band_cells)::int, floor($band_cells)::int) dx,
        generate_series(-floor($band_cells)::int, floor($band_cells)::int) dy
        WHERE dx * dx + dy * dy <= $band_cells * $band_cells + 1e-9),
 w AS (SELECT a.x, a.y, sum(b.v) AS ls, count(*)::float8 AS ws FROM g a CROSS JOIN o
        JOIN g b ON b.x = a.x + o.dx AND b.y = a.y + o.dy GROUP BY a.x, a.y)
SELECT count(*) AS z99 FROM (SELECT (w.ls - s.m * w.ws) / (s.sd * sqrt((s.n * w.ws - w.ws ^ 2) / (s.n - 1))) AS z
  FROM w, s) t WHERE abs(z) >= 2.5758
SQL
}
gi_times=()
for _ in $(seq 1 "$pg_runs"); do
  gi_times+=("$(pg -t -A -c "EXPLAIN (ANALYZE, FORMAT JSON) $(gi_sql)" | grep -o '"Execution Time": [0-9.]*' | awk '{print $3}')")
done
pg_gi="$(printf '%s\n' "${gi_times[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')"
pg_gi_z99="$(pg -t -A -c "$(gi_sql)")"
echo "Gi* in SQL on the month grid: |z| >= 2.5758 in $pg_gi_z99 cells (index: $(jget gi_month_z99)), median ${pg_gi} ms"
echo
echo "| 250 m grid, $total incidents | index (median) | PostGIS (median) | PostGIS / index | cells index / PostGIS |"
echo "|---|---|---|---|---|"
awk -v a="$month_ms" -v b="$pg_month" -v c="$(jget month_cells)" -v d="$pg_month_cells" \
  'BEGIN{printf "| one month (June 2020) | %.2f ms | %.1f ms | %.0fx | %s / %s |\n", a, b, b/a, c, d}'
awk -v a="$full_ms" -v b="$pg_full" -v c="$(jget full_cells)" -v d="$pg_full_cells" \
  'BEGIN{printf "| full range 2019-2021 | %.1f ms | %.1f ms | %.1fx | %s / %s |\n", a, b, b/a, c, d}'
gi_ms="$(jget gi_month_ms_median)"
echo
echo "| Gi* on the 250 m grid result, $total incidents | index (median) | SQL on PostgreSQL (median) | SQL / index |"
echo "|---|---|---|---|"
awk -v a="$gi_ms" -v b="$pg_gi" -v c="$(jget gi_month_study_cells)" \
  'BEGIN{printf "| one month (June 2020), %s study cells, from the grid result | %.2f ms (Gi* + FDR bins) | %.1f ms (Gi*, no FDR) | %.0fx |\n", c, a, b, b/a}'
echo "(full range Gi*: $(jget gi_full_ms_median) ms on $(jget gi_full_study_cells) cells; SQL not run on it)"
echo "load        $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at end"
