#!/usr/bin/env bash
# LibreOffice Calc (headless), for the import test of a file saved by LibreOffice.
# Idempotent: does nothing when `libreoffice` is already on the PATH.
set -euo pipefail

if command -v libreoffice >/dev/null 2>&1; then
  echo "libreoffice already installed: $(command -v libreoffice)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Calc only (no GUI extras); --no-install-recommends keeps it to what headless conversion needs.
$SUDO apt-get install -y -qq --no-install-recommends libreoffice-calc
command -v libreoffice >/dev/null 2>&1 || { echo "libreoffice still missing after install" >&2; exit 1; }
echo "libreoffice installed: $(command -v libreoffice)"
