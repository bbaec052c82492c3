#!/usr/bin/env bash
# Installs what is needed, builds, and starts Proxy Smart: the admin GUI with
# its embedded gateway on http://127.0.0.1:8090 (default configuration, no
# other server needed). Arguments go to proxy-smart (try --help).
# Without a display, proxy-smart says how to run the gateway headless
# (build/app/proxy-smartd serve).
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build proxy-smart proxy-smartd
exec build/app/proxy-smart "$@"
