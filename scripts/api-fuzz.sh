#!/usr/bin/env bash
# `npm run test:api-fuzz`: schemathesis (PyPI) against the served OpenAPI document,
# with the operator token and a bounded, deterministic number of examples:
# no 5xx, and every response as documented. Starts the whole system itself on
# spare ports with embedded defaults (a throwaway data directory).
set -uo pipefail
cd "$(dirname "$0")/.."
venv=.venv-tools
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check schemathesis || exit 1
fi
data=$(mktemp -d)
port=${FUZZ_PORT:-3999}
log="$data/start.log"
env -u DATABASE_URL -u TEMPORAL_ADDRESS DATA_DIR="$data" PORT="$port" PUBLIC_URL="http://127.0.0.1:$port" \
  TEMPORAL_PORT="${FUZZ_TEMPORAL_PORT:-7299}" TEMPORAL_UI_PORT="${FUZZ_TEMPORAL_UI_PORT:-8299}" \
  STOREFRONT_API_TOKEN=fuzz-storefront-token-000 OPERATOR_API_TOKEN=fuzz-operator-token-0000 RATE_LIMIT_STOREFRONT_WRITES=0 \
  node --import tsx scripts/start.ts >"$log" 2>&1 &
pid=$!
stop() { kill -INT "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$data"; }
trap stop EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 1; done
if ! curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then
  echo "the system did not start:"; tail -20 "$log"; exit 1
fi
"$venv/bin/st" run "http://127.0.0.1:$port/api/openapi.json" \
  -H "Authorization: Bearer fuzz-operator-token-0000" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples "${FUZZ_EXAMPLES:-15}" --generation-deterministic -w 2
