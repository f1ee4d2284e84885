#!/bin/sh
# Creates the namespace once the server is healthy (temporalio/admin-tools).
# The orchestrator's worker registers its search attributes itself at start.
set -eu
NAMESPACE="${NAMESPACE:-default}"
i=0
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  i=$((i + 1))
  [ "$i" -lt 60 ] || { echo "Temporal did not become healthy"; exit 1; }
  sleep 2
done
if temporal operator namespace describe -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists"
else
  temporal operator namespace create -n "$NAMESPACE" --retention "${RETENTION:-30d}" --address "$TEMPORAL_ADDRESS"
  echo "namespace $NAMESPACE created"
fi
