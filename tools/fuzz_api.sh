#!/usr/bin/env bash
# Issue 15: fuzz the JSON API with schemathesis against its own OpenAPI document, on a
# fresh SQLite database with the demo data, through a live server this script starts, with
# an API key. Bounded (FUZZ_SECONDS, default 150) and seeded (FUZZ_SEED, default 15).
# Fails on any server error or any answer the document does not allow; prints the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
BUDGET=${FUZZ_SECONDS:-150}
SEED=${FUZZ_SEED:-15}
# Below Linux's ephemeral ports (32768 up), where the test suite, which .ci/run runs beside
# this script, has its servers and connections.
PORT=${FUZZ_PORT:-$((20000 + RANDOM % 12000))}
WORK=$(mktemp -d)
export DATABASE_URL="sqlite:///$WORK/fuzz.sqlite3"
export SAFEGUARD_ENV=development

$BIN/safeguard db upgrade >/dev/null
$BIN/safeguard processes load >/dev/null
$BIN/safeguard demo >/dev/null
# A council key that may report, see its children's records and work the council's items.
KEY=$($BIN/safeguard api-key create --org wfc --role social_worker --role team_manager \
      --name "schemathesis" | tail -1)

$BIN/safeguard serve --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  $BIN/python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$PORT/api/v1/openapi.json', timeout=2)" \
    2>/dev/null && break
  sleep 0.5
done
kill -0 "$SERVER" 2>/dev/null || { echo "fuzz: the server did not start"; cat "$WORK/server.log"; exit 1; }

status=0
# One worker: with two, hypothesis inside schemathesis parses source from both threads at
# once, and CPython 3.11's ast.parse then fails spuriously in the tool itself ("AST
# constructor recursion depth mismatch", python/cpython#106905), not in the API.
$BIN/schemathesis --config-file tools/schemathesis.toml run \
  "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  --header "Authorization: Bearer $KEY" \
  --seed "$SEED" --max-time "$BUDGET" --workers 1 \
  --checks all --exclude-checks ignored_auth \
  --request-timeout 20 \
  --report ndjson --report-dir "$WORK/report" \
  --no-color >"$WORK/schemathesis.txt" 2>&1 || status=$?
tail -40 "$WORK/schemathesis.txt"
errors=$(grep -cE '" 5[0-9]{2} ' "$WORK/server.log" || true)
echo "fuzz: seed $SEED, ${BUDGET}s, server log: $(grep -cE '(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE) /api/' \
  "$WORK/server.log" || true) API requests, $errors answered 5xx; schemathesis exit status $status"
if [ "$errors" != 0 ]; then
  grep -B2 -A30 'Traceback' "$WORK/server.log" | head -80
  status=1
fi
exit "$status"
