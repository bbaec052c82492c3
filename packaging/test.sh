#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test:
#   1. Debian packages (packaging/install-deps.sh) and the browser-test tooling (npm ci)
#   2. build/       RelWithDebInfo build; ctest runs all labels (unit, integration,
#                   gui, e2e); the ctest fixtures start and stop Keycloak and HAPI FHIR
#   3. build-asan/  ASan+UBSan build; ctest runs the unit label again
# Server logs: build/test-servers/{keycloak,hapi}.log. Downloads are cached in
# ~/.cache/proxy-smart and ~/.m2.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

packaging/install-deps.sh

if [ ! -d tests/e2e/node_modules/playwright-core ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== build (RelWithDebInfo) =="
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build
echo "== tests: unit, integration, gui, e2e =="
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 900

echo "== build (ASan + UBSan) =="
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPROXYSMART_SANITIZE=ON \
  -DPROXYSMART_BUILD_GUI=OFF -DPROXYSMART_BUILD_SERVER_TESTS=OFF >/dev/null
ninja -C build-asan
echo "== tests under ASan + UBSan: unit =="
ctest --test-dir build-asan --output-on-failure -j "$jobs" -L unit
