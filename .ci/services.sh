#!/usr/bin/env bash
# Start the services the tests talk to, when they are not already answering. PostgreSQL,
# MariaDB and Redis are started by this machine kind before a session; this restarts them if
# they stopped, and starts memcached, which the kind does not run.
set -euo pipefail

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! answers 6379; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /tmp --logfile /tmp/redis-ci.log
fi
if ! answers 11211; then
  memcached -d -u root -l 127.0.0.1 -p 11211 -m 64
fi
for port in 6379 11211; do
  for _ in $(seq 50); do answers "$port" && break; sleep 0.1; done
  answers "$port" || { echo "service on port $port did not start" >&2; exit 1; }
done
