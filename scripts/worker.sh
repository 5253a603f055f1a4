#!/usr/bin/env bash
# The background worker for `make run`, kept alive: if it exits with an error (a crash, a
# database error it could not survive), jobs it left running are marked failed and it starts
# again. A clean exit (Ctrl+C, or TERM from `make run` stopping) ends the loop.
set -u
PYTHON="${PYTHON:-.venv/bin/python}"
child=0
stop() {
  [ "$child" -ne 0 ] && kill -TERM "$child" 2>/dev/null && wait "$child" 2>/dev/null
  exit 0
}
trap stop INT TERM
while true; do
  "$PYTHON" manage.py jobs_recover
  "$PYTHON" manage.py db_worker --no-reload "$@" &
  child=$!
  wait "$child"
  status=$?
  child=0
  [ "$status" -eq 0 ] && exit 0
  echo "后台处理进程退出（状态 $status），2 秒后重新启动。" >&2
  sleep 2
done
