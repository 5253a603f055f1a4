#!/usr/bin/env bash
# The certificates' system packages: the fonts embedded in every certificate PDF, never
# downloaded at run time (fonts-wqy-zenhei for Chinese; fonts-hanazono for the rare characters
# of CJK Extension B such as 𠮷; fonts-dejavu-core for Uyghur script) and poppler-utils (pdftotext, pdfinfo,
# pdftoppm) with which the tests read and render the PDFs.
# Idempotent: does nothing when both are present. Only Debian packages are fetched.
set -euo pipefail

FONT=/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
RARE=/usr/share/fonts/truetype/hanazono/HanaMinB.ttf
if [ -f "$FONT" ] && [ -f "$RARE" ] && command -v pdftotext >/dev/null 2>&1; then
  echo "certificate font and poppler-utils already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends fonts-wqy-zenhei fonts-hanazono fonts-dejavu-core poppler-utils
[ -f "$RARE" ] || { echo "$RARE still missing after install" >&2; exit 1; }
[ -f "$FONT" ] || { echo "$FONT still missing after install" >&2; exit 1; }
echo "certificate font installed: $FONT"
