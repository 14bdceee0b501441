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

# Before the broker's first start (config files are read at boot only): the repository's rabbitmq.conf and
# definitions, plus loopback-only listeners (AMQP, management, Erlang distribution and epmd). On a running
# broker nothing is rewritten; a differing file is reported, to apply at the next restart.
configure_rabbitmq() {
  local etc=/etc/rabbitmq
  local loopback
  loopback=$(cat <<'CONF'
# WarehouseOms (scripts/deps.sh): listen on loopback only.
listeners.tcp.default = 127.0.0.1:5672
management.tcp.ip = 127.0.0.1
prometheus.tcp.ip = 127.0.0.1
CONF
)
  local env_conf
  env_conf=$(printf '%s\n' '# WarehouseOms (scripts/deps.sh): Erlang distribution and epmd on loopback only.' \
    'NODE_IP_ADDRESS=127.0.0.1' 'ERL_EPMD_ADDRESS=127.0.0.1' \
    'SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"')
  if as_root timeout 20 rabbitmqctl -q status >/dev/null 2>&1; then
    if ! cmp -s "$here/rabbitmq/rabbitmq.conf" "$etc/rabbitmq.conf" || ! grep -qs '^listeners.tcp.default = 127.0.0.1' "$etc/conf.d/90-loopback.conf"; then
      log "RabbitMQ runs with other configuration files than rabbitmq/ (loopback listeners among them); they apply at its next restart"
    fi
    return
  fi
  as_root mkdir -p "$etc/conf.d"
  as_root cp "$here/rabbitmq/rabbitmq.conf" "$here/rabbitmq/definitions.json" "$here/rabbitmq/enabled_plugins" "$etc/"
  printf '%s\n' "$loopback" | as_root tee "$etc/conf.d/90-loopback.conf" >/dev/null
  printf '%s\n' "$env_conf" | as_root tee "$etc/rabbitmq-env.conf" >/dev/null
  as_root chown -R rabbitmq:rabbitmq "$etc" 2>/dev/null || true
}

# Users, vhost, rights, exchanges, queues and policies of rabbitmq/definitions.json, and the plugins of
# rabbitmq/enabled_plugins, on the running broker: both are idempotent and need no restart.
apply_rabbitmq_definitions() {
  as_root rabbitmqctl -q import_definitions "$here/rabbitmq/definitions.json" >/dev/null
  local plugins
  plugins=$(tr -d '[].\n' <"$here/rabbitmq/enabled_plugins" | tr ',' ' ')
  # shellcheck disable=SC2086 # one word per plugin
  as_root rabbitmq-plugins -q enable $plugins >/dev/null
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
configure_rabbitmq
start_rabbitmq
apply_rabbitmq_definitions
log "RabbitMQ (amqp://localhost:5672) and PostgreSQL (localhost:5432, database $DB_NAME) are ready"
