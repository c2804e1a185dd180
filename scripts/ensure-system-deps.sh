#!/usr/bin/env bash
# Install the Debian packages KAPMS needs when they are missing.
#   scripts/ensure-system-deps.sh run    -> what `make run` needs (WeasyPrint's Pango)
#   scripts/ensure-system-deps.sh test   -> plus PostgreSQL, Chromium, poppler-utils and Redis
#                                          (the job queue's Redis storage is tested on a real server)
set -euo pipefail
want=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
if [ "${1:-run}" = "test" ]; then
  want+=(postgresql chromium poppler-utils redis-server)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
