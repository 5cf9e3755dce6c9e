#!/usr/bin/env bash
# The whole suite: lint, layer contract, types, migrations check, then pytest on SQLite and PostgreSQL.
# PROOFSHEET_REQUIRE_SERVICES=1 (set by .ci/run) turns an unreachable PostgreSQL or Redis into a
# failure instead of a note.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PROOFSHEET_ENV=test PROOFSHEET_VAR_DIR="$PWD/var/test" PROOFSHEET_DOTENV=/nonexistent
PG_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/proofsheet}
REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
export TEST_REDIS_URL=$REDIS_URL
WORKERS=${PYTEST_WORKERS:-2}
started=$SECONDS

step() { printf '\n==> %s\n' "$*"; }
die() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

step "ruff (lint and format)"
$BIN/ruff check . || die "ruff check"
$BIN/ruff format --check . || die "ruff format (run: make format)"

step "import-linter (the layers of docs/DESIGN.md)"
$BIN/lint-imports --no-cache || die "layer contract"

step "mypy (the domain apps and flows are typed)"
PROOFSHEET_ENV=test $BIN/mypy || die "mypy"

step "migrations are complete"
env -u DATABASE_URL $BIN/proofsheet manage makemigrations --check --dry-run || die "missing migrations"

step "chromium for the browser tests"
scripts/ensure-chromium || die "chromium"

step "services"
if $BIN/python scripts/reachable.py "$REDIS_URL"; then
  echo "Redis: $REDIS_URL"
elif [ "${PROOFSHEET_REQUIRE_SERVICES:-0}" = "1" ]; then
  die "could not reach Redis at $REDIS_URL (set TEST_REDIS_URL)"
else
  echo "NOTE: could not reach Redis at $REDIS_URL; its tests will be skipped (CI requires it)"
fi
pg_ok=0
if $BIN/python scripts/reachable.py "$PG_URL"; then
  pg_ok=1
  echo "PostgreSQL: $PG_URL"
elif [ "${PROOFSHEET_REQUIRE_SERVICES:-0}" = "1" ]; then
  die "could not reach PostgreSQL at $PG_URL (set TEST_DATABASE_URL)"
else
  echo "NOTE: could not reach PostgreSQL at $PG_URL; the PostgreSQL run is skipped (CI requires it)"
fi

run_pytest() {
  local label=$1 marks=$2; shift 2
  step "pytest on $label${marks:+ ($marks)}"
  "$@" $BIN/pytest -n "$WORKERS" --dist load -p no:cacheprovider ${marks:+-m "$marks"}
  local rc=$?
  [ $rc -eq 5 ] && die "pytest collected no tests on $label"
  [ $rc -ne 0 ] && die "pytest on $label (exit $rc)"
  return 0
}

# Everything on SQLite; on PostgreSQL again all that touches the database, but the browser
# journeys only once (they drive the same server code whichever database sits under it).
run_pytest SQLite "" env -u DATABASE_URL
if [ $pg_ok = 1 ]; then
  run_pytest PostgreSQL "not browser" env DATABASE_URL="$PG_URL"
fi
printf '\nAll checks passed in %ss.\n' $((SECONDS - started))
