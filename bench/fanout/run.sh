#!/usr/bin/env bash
# Live-stream fan-out benchmark (docs/benchmarks.md, "Live stream fan-out"): Centinela's
# WebSocket stream beside nats-server and mosquitto with the same subscribers, message size
# and alert rate, for each client count; one table at the end. Called by bench/run.sh
# (make bench) and runnable alone.
#
# usage: bench/fanout/run.sh [BUILD_DIR]        (default BUILD_DIR: build)
#
# Environment (all optional):
#   FANOUT_CLIENTS="1000 10000"   neighbour subscribers per run
#   FANOUT_OPERATORS=10           operator subscribers (they receive every alert)
#   FANOUT_RATE=100               alerts per second in the rate phase (0: skip it)
#   FANOUT_PEAK=64                alerts in flight in the peak phase (0: skip it)
#   FANOUT_DURATION=20            seconds per phase
#   FANOUT_DRAIN=5                seconds to wait for late deliveries after each phase
#   FANOUT_THREADS=2              receiver threads of the load generator (one per core here:
#                                 one thread could not read 10,000 sockets fast enough)
#   FANOUT_SYSTEMS="centinela nats mqtt"
#   FANOUT_KEEP=1                 keep the temp dir (server and broker logs)
#   CENTINELA_*                   passed to the Centinela server
#
# The Centinela server runs with --demo on SQLite and, for this benchmark only,
# auth.bench_fast_password_hash=true (Argon2id at minimum cost: 10,000 accounts are
# registered and logged in through the API), report and membership rate limits lifted,
# server.max_connections raised.
set -euo pipefail

bench_name=fanout-bench bench_keep=FANOUT_KEEP
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bench_build "${1:-build}"
fanout="$build/bench/fanout/fanout"
systems="${FANOUT_SYSTEMS:-centinela nats mqtt}"
need=("$fanout")
[[ " $systems " == *" centinela "* ]] && need+=("$centinela")
bench_need "centinela fanout" "${need[@]}"

clients_list="${FANOUT_CLIENTS:-1000 10000}"
operators="${FANOUT_OPERATORS:-10}"
rate="${FANOUT_RATE:-100}"
peak="${FANOUT_PEAK:-64}"
duration="${FANOUT_DURATION:-20}"
drain="${FANOUT_DRAIN:-5}"
threads="${FANOUT_THREADS:-2}"

# 10,000 sockets on each side of loopback, plus the brokers'.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
max_clients=0
for n in $clients_list; do [ "$n" -gt "$max_clients" ] && max_clients=$n; done
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((max_clients + 1024)) ]; then
  die "open-file limit $(ulimit -n) is too low for $max_clients clients; raise the hard limit (ulimit -Hn)"
fi
for s in $systems; do
  case "$s" in
    nats) command -v nats-server >/dev/null || die "nats-server not found (scripts/install-deps.sh --with-bench)" ;;
    mqtt) command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] ||
            die "mosquitto not found (scripts/install-deps.sh --with-bench)" ;;
    centinela) ;;
    *) die "unknown system '$s' in FANOUT_SYSTEMS (centinela, nats, mqtt)" ;;
  esac
done
mosquitto_bin="$(command -v mosquitto || echo /usr/sbin/mosquitto)"

bench_tmp fanout

common=(--operators "$operators" --rate "$rate" --peak "$peak" --duration "$duration" --drain "$drain"
        --threads "$threads" --demo-dir "$repo/demo" --json)
results="$tmp/results.jsonl"
: > "$results"

note "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); phases: rate $rate/s, peak $peak in flight, ${duration}s each"
size=400
for n in $clients_list; do
  for s in $systems; do
    log="$tmp/$s-$n.log"
    case "$s" in
      centinela)
        port="$(free_port)"
        env CENTINELA_AUTH_BENCH_FAST_PASSWORD_HASH=true \
            CENTINELA_REPORTS_MAX_PER_MINUTE="${CENTINELA_REPORTS_MAX_PER_MINUTE:-10000000}" \
            CENTINELA_AUTH_REGISTER_MAX_PER_MINUTE_PER_IP="${CENTINELA_AUTH_REGISTER_MAX_PER_MINUTE_PER_IP:-0}" \
            CENTINELA_AUTH_REGISTER_MAX_PER_DAY_PER_IP="${CENTINELA_AUTH_REGISTER_MAX_PER_DAY_PER_IP:-0}" \
            CENTINELA_REPORTS_MAX_PER_DAY="${CENTINELA_REPORTS_MAX_PER_DAY:-10000000}" \
            CENTINELA_SERVER_MAX_CONNECTIONS="${CENTINELA_SERVER_MAX_CONNECTIONS:-$((n * 2 + 1000))}" \
            CENTINELA_LOG_ACCESS="${CENTINELA_LOG_ACCESS:-false}" \
            CENTINELA_LOG_LEVEL="${CENTINELA_LOG_LEVEL:-warn}" \
          "$centinela" serve --demo --data-dir "$tmp/data-$n" --listen "127.0.0.1:$port" > "$log" 2>&1 &
        pid=$!
        pids+=("$pid")
        wait_port "$port" "$pid" "centinela"
        note "centinela, $n clients: setting up $n verified neighbours through the API..."
        "$fanout" --system centinela --port "$port" --clients "$n" "${common[@]}" >> "$results" 2>> "$log.client" ||
          { tail -20 "$log.client" >&2; die "fanout centinela failed (log in $tmp)"; }
        stop_pid "$pid"
        # The brokers carry payloads of Centinela's measured mean message size.
        measured="$(tail -1 "$results" | sed -n 's/.*"mean_message_bytes":\([0-9.eE+]*\).*/\1/p')"
        [ -n "$measured" ] && size="$(awk -v m="$measured" 'BEGIN{printf "%d", (m < 48 ? 400 : m)}')"
        ;;
      nats)
        port="$(free_port)"
        nats-server -a 127.0.0.1 -p "$port" > "$log" 2>&1 &
        pid=$!
        pids+=("$pid")
        wait_port "$port" "$pid" "nats-server"
        "$fanout" --system nats --port "$port" --clients "$n" --size "$size" "${common[@]}" >> "$results" 2>> "$log.client" ||
          { tail -20 "$log.client" >&2; die "fanout nats failed (log in $tmp)"; }
        stop_pid "$pid"
        ;;
      mqtt)
        port="$(free_port)"
        printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\nlog_dest stderr\nlog_type error\nlog_type warning\n' \
          "$port" > "$tmp/mosquitto.conf"
        "$mosquitto_bin" -c "$tmp/mosquitto.conf" > "$log" 2>&1 &
        pid=$!
        pids+=("$pid")
        wait_port "$port" "$pid" "mosquitto"
        "$fanout" --system mqtt --port "$port" --clients "$n" --size "$size" "${common[@]}" >> "$results" 2>> "$log.client" ||
          { tail -20 "$log.client" >&2; die "fanout mqtt failed (log in $tmp)"; }
        stop_pid "$pid"
        ;;
    esac
    grep -h "^fanout $s" "$log.client" >&2 || true
  done
done

# One table: every system, client count and phase.
python3 - "$results" "$rate" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
rate = float(sys.argv[2])
name = {"centinela": "Centinela WebSocket", "nats": "NATS (nats-server)", "mqtt": "MQTT (mosquitto)"}
print()
print("| system | clients | phase | alerts | matched/alert | expected | delivered | lost | deliveries/s | p50 ms | p99 ms | max ms | msg bytes |")
print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    phase = "peak %d in flight" % r["in_flight"] if r["mode"] == "peak" else "%d alerts/s" % r["rate"]
    print("| %s | %d | %s | %d | %d | %d | %d | %d | %d | %.1f | %.1f | %.1f | %d |" % (
        name.get(r["system"], r["system"]), r["clients"] + r["operators"], phase, r["alerts"],
        r["matched_per_alert"], r["expected"], r["delivered"], r["lost"], r["deliveries_per_s"],
        r["p50_ms"], r["p99_ms"], r["max_ms"], r["mean_message_bytes"]))
print()
for r in rows:
    if r["system"] == "centinela" and r["mode"] == "rate" and r["clients"] >= 10000:
        ok = r["p99_ms"] <= 50 and r["lost"] == 0 and r["rate"] >= 100
        print("bar (%d clients, %d alerts/s, p99 <= 50 ms, zero loss): %s (p99 %.1f ms, lost %d)" % (
            r["clients"] + r["operators"], r["rate"], "MET" if ok else "MISSED", r["p99_ms"], r["lost"]))
peak = {(r["system"], r["clients"]): r["deliveries_per_s"] for r in rows if r["mode"] == "peak"}
for (s, n), v in sorted(peak.items()):
    if s == "centinela" and ("nats", n) in peak and peak[("nats", n)]:
        print("peak deliveries/s, %d clients: Centinela / NATS = %.2f" % (n, v / peak[("nats", n)]))
EOF
