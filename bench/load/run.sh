#!/usr/bin/env bash
# The load report: a bounded headless locust run (DURATION, default 60 s; USERS virtual users)
# against `make prod` with two app servers, then with one; CSVs in bench/load/results/, the
# table and plot by bench/load/report.py (bench/load/README.md, bench/load/throughput.svg).
# The stack must be up (make prod). App servers are restarted with the login rate limit raised:
# every virtual user logs in from 127.0.0.1.
set -Eeuo pipefail
cd "$(dirname "$0")/../.."
source scripts/prod/config.sh
DURATION="${DURATION:-60}"
USERS="${USERS:-20}"
OUT=bench/load/results
mkdir -p "$OUT"

restart_app_servers() {
  for pidfile in "$STATE"/run/gunicorn-*.pid; do
    [ -e "$pidfile" ] || continue
    kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.5; done
    rm -f "$pidfile"
  done
  XUESHI_PROD_QUICK=1 XUESHI_PROD_APP_SERVERS="$1" RATELIMIT_LOGIN=100000/300 \
    bash scripts/prod/up.sh >"$STATE/log/load-restart.log"
}

for servers in 2 1; do
  echo "==> $servers app server(s): $USERS users, ${DURATION}s"
  restart_app_servers "$servers"
  # Warm up (imports, connections) so the measured minute is steady state.
  "$BIN/locust" -f bench/load/locustfile.py --headless -u "$USERS" -r "$USERS" -t 10s \
    --host "https://127.0.0.1:$HTTPS_PORT" --only-summary >/dev/null 2>&1 || true
  uptime >"$OUT/servers-$servers.load"
  "$BIN/locust" -f bench/load/locustfile.py --headless -u "$USERS" -r 5 -t "${DURATION}s" \
    --host "https://127.0.0.1:$HTTPS_PORT" --csv "$OUT/servers-$servers" --only-summary \
    >"$OUT/servers-$servers.txt" 2>&1 || true
  uptime >>"$OUT/servers-$servers.load"
  grep -E "Aggregated" "$OUT/servers-$servers.txt" | head -1
done
# Back to the normal stack (two servers, normal login limit).
restart_app_servers 2
"$BIN/python" bench/load/report.py
