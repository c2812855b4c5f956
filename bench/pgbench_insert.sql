-- pgbench anchor for bench/run.sh: one small INSERT per transaction (autocommit), the
-- database-only analogue of one durable Centinela write. Table created by run.sh:
--   bench_writes (id bigserial PRIMARY KEY, client int, at bigint, body text)
\set n random(1, 1000000000)
INSERT INTO bench_writes (client, at, body) VALUES (:client_id, :n, 'wp-pgbench-' || :client_id || '-' || :n);
