#!/usr/bin/env bash
# Installs what Parley needs on Debian 12 (as root), then installs npm dependencies and builds.
#   bash scripts/setup.sh          runtime packages, npm ci, build
#   bash scripts/setup.sh --test   also the test data (pocketsphinx-testdata), and Chromium for the widget's browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ make python3 pkg-config libpocketsphinx-dev pocketsphinx-en-us)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(pocketsphinx-testdata python3-grpcio python3-protobuf protobuf-compiler protobuf-compiler-grpc chromium)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} > 0 )); then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: run as root, or install them first: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund
npm run build
