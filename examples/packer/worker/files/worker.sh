#!/bin/sh
# Drains /var/lib/worker/queue: each file is one job. WORKER_TOKEN must come from the
# environment at boot; the image never carries it.
set -eu
. /etc/worker/worker.conf
if [ -z "${WORKER_TOKEN:-}" ]; then
  echo "worker: WORKER_TOKEN is not set (inject it at boot)" >&2
  exit 64
fi
echo "worker: polling ${QUEUE_DIR} every ${POLL_SECONDS}s"
while :; do
  for job in "$QUEUE_DIR"/*; do
    [ -f "$job" ] || continue
    echo "worker: processing $(basename "$job")"
    rm -f "$job"
  done
  sleep "$POLL_SECONDS"
done
