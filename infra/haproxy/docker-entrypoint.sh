#!/usr/bin/env bash
# Entry point of the HAProxy image: render a first configuration with no
# servers, start HAProxy's master process, and run the templater, which adds
# the registered instances and reloads HAProxy. If either process exits, the
# other is stopped and the container exits with the first one's status.
set -euo pipefail

python -m infra.haproxy.templater --once --empty
haproxy -c -q -f "$HAPROXY_CONFIG"

# -W: master-worker mode, reloaded by SIGUSR2. -db: stay in the foreground.
haproxy -W -db -f "$HAPROXY_CONFIG" -p "$HAPROXY_PID_FILE" &
haproxy_pid=$!
python -m infra.haproxy.templater &
templater_pid=$!

stop_both() {
    kill -TERM "$templater_pid" "$haproxy_pid" 2>/dev/null || true
}
trap 'stop_both' TERM INT

status=0
wait -n "$haproxy_pid" "$templater_pid" || status=$?
stop_both
# The master closes connections still open 30 s after the stop
# (hard-stop-after in the template), so this wait is bounded.
wait "$haproxy_pid" "$templater_pid" || true
exit "$status"
