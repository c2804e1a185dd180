#!/usr/bin/env bash
# `make run`: the web app and the job queue's worker together. Ctrl-C stops both; if
# either stops on its own, the other is stopped too.
#   BIN   where flask lives (default .venv/bin)
#   PORT  the web app's port (default 5000)
set -uo pipefail
BIN=${BIN:-.venv/bin}
PORT=${PORT:-5000}

"$BIN/flask" worker &
worker=$!
"$BIN/flask" run --host 127.0.0.1 --port "$PORT" &
web=$!

stop() {
  trap - INT TERM
  # A background job of a script ignores SIGINT, so the web server gets SIGTERM; the
  # worker handles SIGINT itself (it finishes the jobs under way).
  kill -TERM "$web" 2>/dev/null
  kill -INT "$worker" 2>/dev/null
  wait "$web" "$worker" 2>/dev/null
  echo "Web app and worker stopped."
}
trap 'stop; exit 0' INT TERM
# Whichever ends first (Ctrl-C reaches both through the trap), the other follows.
wait -n "$web" "$worker"
stop
