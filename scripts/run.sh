#!/usr/bin/env bash
# Runs the WarehouseOms service in the foreground with its dependencies (RabbitMQ, PostgreSQL).
# Without Temporal__Address the service starts the embedded Temporal dev server in-process.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

bash scripts/deps.sh

export ConnectionStrings__WarehouseOms=${ConnectionStrings__WarehouseOms:-"Host=localhost;Port=5432;Database=warehouse_oms;Username=warehouse_oms;Password=warehouse_oms"}
# The service's own RabbitMQ user and vhost (rabbitmq/definitions.json, imported by deps.sh).
export RabbitMq__VirtualHost=${RabbitMq__VirtualHost:-warehouse-oms}
export RabbitMq__Username=${RabbitMq__Username:-warehouse-oms}
export RabbitMq__Password=${RabbitMq__Password:-warehouse-oms}
export DOTNET_ENVIRONMENT=${DOTNET_ENVIRONMENT:-Development}
exec dotnet run --project src/WarehouseOms.Host -c Release -- "$@"
