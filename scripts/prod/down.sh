#!/usr/bin/env bash
# `make prod-stop`: stops every process `make prod` started, each by its own PID file.
# The data (var/prod: databases, objects, secrets) stays; remove var/prod for a fresh start.
set -Eeuo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/config.sh"

stop_pid() {  # stop_pid <name> <pidfile>
  local name=$1 pidfile=$2 pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    echo "==> stopping $name ($pid)"
    kill -TERM "$pid"
    for _ in $(seq 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$pidfile"
}

if [ -f "$STATE/run/nginx.pid" ] && kill -0 "$(cat "$STATE/run/nginx.pid")" 2>/dev/null; then
  echo "==> stopping nginx"
  nginx -c "$STATE/nginx/nginx.conf" -p "$STATE/nginx" -s quit
  for _ in $(seq 40); do [ -f "$STATE/run/nginx.pid" ] || break; sleep 0.25; done
fi
for pidfile in "$STATE"/run/gunicorn-*.pid; do
  [ -e "$pidfile" ] && stop_pid "app server $(basename "$pidfile" .pid)" "$pidfile"
done
stop_pid "RQ worker" "$STATE/run/rqworker.pid"
stop_pid "SeaweedFS" "$STATE/run/weed.pid"
for cluster in pg-replica pg-primary; do
  if [ -f "$STATE/$cluster/postmaster.pid" ]; then
    echo "==> stopping PostgreSQL $cluster"
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$STATE/$cluster" -m fast -w stop >/dev/null
  fi
done
echo "stopped (data kept in $STATE)"
