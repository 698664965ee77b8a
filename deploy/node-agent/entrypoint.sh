#!/bin/sh
# Enrolls once (when no credential is stored yet and a token is given), then runs the agent.
set -eu
STATE_DIR="${NANOPOD_AGENT_STATE_DIR:-/var/lib/nanopod-agent}"
AGENT="node /app/apps/node-agent/bin/nanopod-node-agent.js"
if [ ! -f "$STATE_DIR/credential.json" ]; then
  if [ -z "${NANOPOD_AGENT_ENROLL_TOKEN:-}" ]; then
    echo "nanopod-agent: not enrolled and NANOPOD_AGENT_ENROLL_TOKEN is not set" >&2
    exit 2
  fi
  $AGENT enroll --url "$NANOPOD_AGENT_URL" --token "$NANOPOD_AGENT_ENROLL_TOKEN" \
    --name "${NANOPOD_AGENT_NAME:-$(hostname)}" --state-dir "$STATE_DIR"
fi
exec $AGENT run --state-dir "$STATE_DIR"
