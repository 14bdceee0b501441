#!/usr/bin/env bash
# Runs the whole test suite: dependencies first (RabbitMQ, PostgreSQL), then `dotnet test` for the
# solution. The embedded Temporal dev server is started by the tests themselves.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

bash scripts/deps.sh

# The tests use the service's own broker vhost: a service already consuming there (scripts/run.sh left
# running, say) would take the tests' messages and fail them at random. Refuse to start instead.
if consumers=$(curl -fsS --max-time 5 -u admin:admin http://localhost:15672/api/consumers/warehouse-oms 2>/dev/null) \
  && [ "$(tr -d '[:space:]' <<<"$consumers")" != "[]" ]; then
  echo "test.sh: something already consumes from RabbitMQ vhost warehouse-oms (a running WarehouseOms service?)." >&2
  echo "test.sh: stop it first; it would take the tests' messages." >&2
  exit 1
fi

export ConnectionStrings__WarehouseOms=${ConnectionStrings__WarehouseOms:-"Host=localhost;Port=5432;Database=warehouse_oms;Username=warehouse_oms;Password=warehouse_oms"}
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

dotnet build WarehouseOms.sln -c Release -nologo -v quiet
# One test project at a time keeps the 2-core machine from oversubscribing (each project starts its
# own dev servers, hosts and brokers connections); xunit still parallelises inside a project.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test WarehouseOms.sln -c Release --no-build -nologo -m:1 \
  --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?

# The embedded engine's conformance tests once more, with its state in PostgreSQL (the durable store).
WAREHOUSEOMS_DEVSERVER_STORE=postgres dotnet test tests/WarehouseOms.TemporalDevServer.Tests -c Release --no-build -nologo \
  --filter "FullyQualifiedName~Conformance" --logger "console;verbosity=normal" "$@" 2>&1 | tee -a "$log" || status=$?

# One closing line over all test projects.
passed=$(awk '/^ +Passed: +[0-9]+$/ {s += $2} END {print s + 0}' "$log")
failed=$(awk '/^ +Failed: +[0-9]+$/ {s += $2} END {print s + 0}' "$log")
# The failing tests by name, last, so a truncated CI log still shows them.
grep -E '^ +Failed [A-Za-z_][A-Za-z0-9_.]*' "$log" | sed -E 's/^ +//' | sort -u || true
echo "tests: $passed passed, $failed failed"
[ "$passed" -gt 0 ] || status=1
exit "$status"
