#!/bin/sh
# Installs Debian's Chromium and CJK fonts for the screenshot script and browser tests.
# Idempotent: does nothing when `chromium` is already on PATH. Run as root.
# Only Debian packages are fetched (no Playwright browser download).
set -eu

if command -v chromium >/dev/null 2>&1; then
    echo "chromium already installed: $(command -v chromium)"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "run as root (apt-get install)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
packages="chromium fonts-wqy-zenhei"
# Noto CJK is nicer but large; take it when the archive has it.
if apt-cache show fonts-noto-cjk >/dev/null 2>&1; then
    packages="$packages fonts-noto-cjk"
fi
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $packages
command -v chromium
