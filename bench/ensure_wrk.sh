#!/bin/sh
# Install wrk, the HTTP load generator bench/run.py uses for its over-the-wire measure.
# Idempotent and safe to call from `make bench`: when wrk cannot be installed (not root,
# no apt-get, no network) it says why and exits 0, and the bench prints "n/a (wrk missing)"
# for that column instead of failing the in-process measure with it.
set -u

if command -v wrk >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "ensure_wrk: wrk is missing and this is not root; run: sudo apt-get install -y wrk" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_wrk: wrk is missing and apt-get is not available; install wrk by hand" >&2
    exit 0
fi
echo "ensure_wrk: installing wrk with apt-get" >&2
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >&2; then
    echo "ensure_wrk: apt-get could not install wrk" >&2
fi
exit 0
