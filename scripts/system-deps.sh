#!/usr/bin/env bash
# Installs the Debian packages tinhso needs, when missing. Usage: scripts/system-deps.sh run|test
#   run:  pango (WeasyPrint PDFs), fonts with Vietnamese glyphs (Liberation Serif: Times New
#         Roman metrics, for signature stamps), gettext (translations)
#   test: the same plus Chromium for the browser tests, pdfsig, certutil and SoftHSM for the
#         signature tests, and Node.js (the independent VietQR decoder, npm vietnam-qr-pay
#         vendored in tinhso/payments/tests/vendor)
set -euo pipefail
want=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-noto-core fonts-liberation2 gettext)
# Chromium only once the suite has browser tests (Playwright drives Debian's build).
if [ "${1:-run}" = "test" ] && grep -rqs --include='test_*.py' "playwright" "$(dirname "$0")/../tinhso"; then
  want+=(chromium)
fi
# The independent signature validator of the signature tests: pdfsig (poppler) with an NSS database.
if [ "${1:-run}" = "test" ]; then
  want+=(poppler-utils libnss3-tools softhsm2)
fi
if [ "${1:-run}" = "test" ] && ! command -v node >/dev/null 2>&1; then
  want+=(nodejs)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "system-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "system-deps: not root and no sudo; install by hand: apt-get install ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=""
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
