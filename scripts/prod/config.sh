# Shared by up.sh and down.sh: where the production stack lives and which ports it uses.
# Every value may be overridden from the environment (e.g. XUESHI_PROD_HTTPS_PORT=443).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${XUESHI_PROD_STATE:-$ROOT/var/prod}"
BIN="$ROOT/.venv/bin"
PGBIN="${XUESHI_PGBIN:-/usr/lib/postgresql/15/bin}"
PG_PRIMARY_PORT="${XUESHI_PG_PRIMARY_PORT:-5440}"
PG_REPLICA_PORT="${XUESHI_PG_REPLICA_PORT:-5441}"
# gunicorn app servers: APP_SERVERS of them on consecutive ports from APP_PORT.
APP_SERVERS="${XUESHI_PROD_APP_SERVERS:-2}"
APP_PORT="${XUESHI_PROD_APP_PORT:-8171}"
APP_WORKERS="${XUESHI_PROD_APP_WORKERS:-2}"
HTTPS_PORT="${XUESHI_PROD_HTTPS_PORT:-8443}"
HTTP_PORT="${XUESHI_PROD_HTTP_PORT:-8180}"
# SeaweedFS: master, volume, filer and S3 (each with its gRPC port), S3's Iceberg and Lance
# listeners: ten ports from this base.
WEED_PORT="${XUESHI_WEED_PORT_BASE:-9310}"
S3_PORT=$((WEED_PORT + 6))
REDIS_BASE="${XUESHI_REDIS:-redis://127.0.0.1:6379}"
# Redis databases: cache and sessions, task queue.
REDIS_CACHE_DB="${XUESHI_REDIS_CACHE_DB:-5}"
REDIS_TASKS_DB="${XUESHI_REDIS_TASKS_DB:-6}"
PG_USER=postgres
DB_NAME=xueshi
