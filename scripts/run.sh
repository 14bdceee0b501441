#!/usr/bin/env bash
# Runs the WarehouseOms service in the foreground with its dependencies (RabbitMQ, PostgreSQL).
# Without Temporal__Address the service starts the embedded Temporal dev server in-process.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

bash scripts/deps.sh

export ConnectionStrings__WarehouseOms=${ConnectionStrings__WarehouseOms:-"Host=localhost;Port=5432;Database=warehouse_oms;Username=warehouse_oms;Password=warehouse_oms"}
export DOTNET_ENVIRONMENT=${DOTNET_ENVIRONMENT:-Development}
exec dotnet run --project src/WarehouseOms.Host -c Release -- "$@"
