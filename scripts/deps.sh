#!/usr/bin/env bash
# Makes sure RabbitMQ and PostgreSQL are installed, running and set up for WarehouseOms.
# Idempotent: on a prepared machine it only checks and returns in a few seconds.
#
# Route: Debian packages (the default, and the only one where no Docker engine runs). With
# WAREHOUSEOMS_DEPS=docker and a reachable Docker engine, `docker compose up -d rabbitmq postgres` instead.
set -euo pipefail

DB_NAME=${WAREHOUSEOMS_DB_NAME:-warehouse_oms}
DB_USER=${WAREHOUSEOMS_DB_USER:-warehouse_oms}
DB_PASSWORD=${WAREHOUSEOMS_DB_PASSWORD:-warehouse_oms}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[deps] %s\n' "$*"; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ "${WAREHOUSEOMS_DEPS:-debian}" = "docker" ]; then
  docker info >/dev/null 2>&1 || { log "WAREHOUSEOMS_DEPS=docker but no Docker engine is reachable"; exit 1; }
  (cd "$here" && docker compose up -d --wait rabbitmq postgres)
  log "RabbitMQ and PostgreSQL are running in Docker"
  exit 0
fi

install_packages() {
  local missing=()
  command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/sbin/rabbitmq-server ] || missing+=(rabbitmq-server)
  compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
  # The console's browser tests drive Debian's chromium through its chromedriver (ADR 0024).
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} from Debian packages"
    as_root apt-get update -qq
    # policy-rc.d may forbid starting services during install (no systemd); we start them below.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

start_postgres() {
  local version
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
    log "creating PostgreSQL $version cluster"
    as_root pg_createcluster "$version" main >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
    log "starting PostgreSQL $version"
    as_root pg_ctlcluster "$version" main start
  fi
  for _ in $(seq 1 30); do
    as_root su postgres -c "pg_isready -q" && break
    sleep 1
  done
}

setup_database() {
  local psql=(as_root su postgres -c)
  if ! "${psql[@]}" "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'\"" | grep -q 1; then
    log "creating role $DB_USER"
    # CREATEDB: the integration tests create a fresh database per test class.
    "${psql[@]}" "psql -q -c \"CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD' CREATEDB\""
  fi
  if ! "${psql[@]}" "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'\"" | grep -q 1; then
    log "creating database $DB_NAME"
    "${psql[@]}" "psql -q -c \"CREATE DATABASE $DB_NAME OWNER $DB_USER\""
  fi
}

start_rabbitmq() {
  if as_root timeout 20 rabbitmqctl -q status >/dev/null 2>&1; then
    return
  fi
  log "starting RabbitMQ"
  # The Debian wrapper drops to the rabbitmq user by itself. -detached returns before the node has
  # registered, so await_startup fails until it has: retry it for up to two minutes.
  as_root rabbitmq-server -detached
  for _ in $(seq 1 60); do
    if as_root timeout 20 rabbitmqctl -q await_startup >/dev/null 2>&1; then
      return
    fi
    sleep 2
  done
  log "RabbitMQ did not start; see /var/log/rabbitmq/"
  exit 1
}

install_packages
start_postgres
setup_database
start_rabbitmq
log "RabbitMQ (amqp://localhost:5672) and PostgreSQL (localhost:5432, database $DB_NAME) are ready"
