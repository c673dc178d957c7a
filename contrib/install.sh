#!/usr/bin/env bash
# faafo-tutor's installer for real OpenStack VMs: the lesson's userdata runs it as
#
#   curl -L -s https://unpkg.com/faafo-tutor@0.1.0/contrib/install.sh | bash -s -- -i database -i messaging
#   curl … | bash -s -- -i faafo -r api -m 'amqp://guest:guest@10.0.0.4:5672/' -d 'mysql://faafo:password@10.0.0.4:3306/faafo'
#   curl … | bash -s -- -i faafo -r worker -e 'http://10.0.0.5' -m 'amqp://guest:guest@10.0.0.4:5672/'
#
# The options are the original faafo installer's (getopts e:m:d:i:r:, options repeat):
#   -i database    MariaDB, listening on all addresses, with database faafo and user faafo/password
#   -i messaging   RabbitMQ, with remote logins of guest allowed (loopback_users = none)
#   -i faafo       Node.js >= 20, npm install -g faafo-tutor@$FAAFO_VERSION, user faafo, /etc/faafo/faafo.conf
#   -r api         systemd unit faafo-api (port 80)        -r worker   systemd unit faafo-worker
#   -r demo        with -r api: once the API answers, `faafo --endpoint-url http://127.0.0.1 create`
#   -m URL         transport_url (default amqp://guest:guest@localhost:5672/)
#   -d URL         database_url  (default sqlite:////var/lib/faafo/sqlite.db; with -i database:
#                  mysql://faafo:password@localhost:3306/faafo unless -d is given)
#   -e URL         endpoint_url, the API the worker reports to (default http://127.0.0.1)
#
# Environment: FAAFO_VERSION (the npm version or tag to install); FAAFO_INSTALL_ROOT (tests only:
# every file is read and written below it, and no root is needed).
#
# Everything is inside main(), called on the last line: `curl | bash` reads the script from stdin,
# so bash has read all of it before anything runs, and a truncated download runs nothing.

set -Eeuo pipefail

readonly DEFAULT_FAAFO_VERSION=0.1.0
readonly NODE_MAJOR=20
readonly CONFIG_FILE=/etc/faafo/faafo.conf
readonly STATE_DIR=/var/lib/faafo
readonly API_PROBE_URL=http://127.0.0.1/v1/fractal
readonly DEMO_ENDPOINT=http://127.0.0.1

ROOT="${FAAFO_INSTALL_ROOT:-}"
FAAFO_VERSION="${FAAFO_VERSION:-$DEFAULT_FAAFO_VERSION}"
CURRENT_STEP="starting"
PKG=""

# Masks the password of every user:password@ in the text: user:***@.
mask() {
  printf '%s' "$1" | sed -E 's#(://[^:/@[:space:]]*):[^@/[:space:]]*@#\1:***@#g'
}

say() {
  printf 'faafo-install: %s\n' "$(mask "$*")"
}

warn() {
  printf 'faafo-install: warning: %s\n' "$(mask "$*")" >&2
}

die() {
  printf 'faafo-install: error: %s\n' "$(mask "$*")" >&2
  exit 1
}

# One progress line for each step; the step is named again if one of its commands fails.
step() {
  CURRENT_STEP="$*"
  say "$*"
}

on_error() {
  local code=$1 line=$2 command=$3
  # A failure inside $(…) is reported once, by the command that used it.
  if [ "${BASH_SUBSHELL:-0}" -eq 0 ]; then
    printf "faafo-install: error: %s failed: '%s' exited with status %s (line %s)\n" \
      "$(mask "$CURRENT_STEP")" "$(mask "$command")" "$code" "$line" >&2
  fi
  exit "$code"
}

usage() {
  cat >&2 <<'EOF'
usage: install.sh [-i database|messaging|faafo]... [-r api|worker|demo]... [-m transport_url] [-d database_url] [-e endpoint_url]
EOF
}

contains() {
  local needle=$1 item
  shift
  for item in "$@"; do
    [ "$item" = "$needle" ] && return 0
  done
  return 1
}

# --- distribution -------------------------------------------------------------------------------

detect_distribution() {
  local release="$ROOT/etc/os-release" id
  [ -r "$release" ] || die "cannot read /etc/os-release, so the distribution is unknown (supported: ubuntu, debian, fedora)"
  id=$(sed -n 's/^ID=//p' "$release" | head -n 1 | tr -d "\"'")
  case "$id" in
    ubuntu | debian) PKG=apt ;;
    fedora) PKG=dnf ;;
    "") die "/etc/os-release has no ID= line, so the distribution is unknown" ;;
    *) die "distribution $id not supported (supported: ubuntu, debian, fedora)" ;;
  esac
  say "distribution $id (packages with $([ "$PKG" = apt ] && echo apt-get || echo dnf))"
}

APT_UPDATED=0
install_packages() {
  if [ "$PKG" = apt ]; then
    if [ "$APT_UPDATED" -eq 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
      APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" </dev/null
  else
    dnf install -y -q "$@" </dev/null
  fi
}

# Writes stdin to $ROOT$1 with mode $2 (created with that mode, so it is never readable by more).
write_file() {
  local path="$ROOT$1" mode=$2
  mkdir -p "$(dirname "$path")"
  (
    umask 077
    cat >"$path.faafo-new"
  )
  chmod "$mode" "$path.faafo-new"
  mv -f "$path.faafo-new" "$path"
}

# --- -i database --------------------------------------------------------------------------------

install_database() {
  local dropin
  if [ "$PKG" = apt ]; then dropin=/etc/mysql/mariadb.conf.d/99-faafo.cnf; else dropin=/etc/my.cnf.d/99-faafo.cnf; fi

  step "installing MariaDB (mariadb-server)"
  install_packages mariadb-server

  step "letting MariaDB listen on all addresses ($dropin)"
  write_file "$dropin" 0644 <<'EOF'
# Written by faafo-tutor's install.sh: the API nodes reach this database over the network.
[mysqld]
bind-address = 0.0.0.0
# Large fractals are large rows.
max_allowed_packet = 64M
EOF

  step "starting MariaDB (systemctl enable mariadb, restart)"
  systemctl enable mariadb </dev/null
  systemctl restart mariadb </dev/null

  step "creating database faafo and user faafo (from any host)"
  mysql <<'SQL'
CREATE DATABASE IF NOT EXISTS faafo;
CREATE USER IF NOT EXISTS 'faafo'@'%' IDENTIFIED BY 'password';
CREATE USER IF NOT EXISTS 'faafo'@'localhost' IDENTIFIED BY 'password';
ALTER USER 'faafo'@'%' IDENTIFIED BY 'password';
ALTER USER 'faafo'@'localhost' IDENTIFIED BY 'password';
GRANT ALL PRIVILEGES ON faafo.* TO 'faafo'@'%';
GRANT ALL PRIVILEGES ON faafo.* TO 'faafo'@'localhost';
FLUSH PRIVILEGES;
SQL
}

# --- -i messaging -------------------------------------------------------------------------------

install_messaging() {
  local conf="$ROOT/etc/rabbitmq/rabbitmq.conf"

  step "installing RabbitMQ (rabbitmq-server)"
  install_packages rabbitmq-server

  # RabbitMQ >= 3.3 lets guest log in only from localhost; the guide's workers use guest:guest.
  step "allowing remote logins of guest (/etc/rabbitmq/rabbitmq.conf: loopback_users = none)"
  if [ -f "$conf" ] && grep -Eq '^[[:space:]]*loopback_users[[:space:]]*=[[:space:]]*none[[:space:]]*$' "$conf"; then
    say "rabbitmq.conf already has loopback_users = none"
  elif [ -f "$conf" ]; then
    # Keep a last line without a newline apart from ours.
    [ -z "$(tail -c 1 "$conf")" ] || printf '\n' >>"$conf"
    printf '# Added by faafo-tutor install.sh: workers on other nodes log in as guest.\nloopback_users = none\n' >>"$conf"
  else
    write_file /etc/rabbitmq/rabbitmq.conf 0644 <<'EOF'
# Written by faafo-tutor's install.sh: workers on other nodes log in as guest.
loopback_users = none
EOF
  fi

  step "starting RabbitMQ (systemctl enable rabbitmq-server, restart)"
  systemctl enable rabbitmq-server </dev/null
  systemctl restart rabbitmq-server </dev/null
}

# --- -i faafo -----------------------------------------------------------------------------------

# The major version of the node on PATH, or 0 without one.
node_major() {
  local version
  command -v node >/dev/null 2>&1 || {
    echo 0
    return 0
  }
  version=$(node --version 2>/dev/null || true)
  version=${version#v}
  version=${version%%.*}
  case "$version" in
    '' | *[!0-9]*) echo 0 ;;
    *) echo "$version" ;;
  esac
}

ensure_node() {
  local major
  major=$(node_major)
  if [ "$major" -ge "$NODE_MAJOR" ]; then
    say "Node.js $(node --version) is already installed"
  else
    if [ "$major" -eq 0 ]; then
      step "installing Node.js $NODE_MAJOR (none found)"
    else
      step "installing Node.js $NODE_MAJOR (found $(node --version), too old)"
    fi
    if [ "$PKG" = apt ]; then
      install_packages ca-certificates curl gnupg
      step "adding the NodeSource repository for Node.js $NODE_MAJOR (deb.nodesource.com)"
      curl -fsSL "https://deb.nodesource.com/setup_${NODE_MAJOR}.x" | bash -
      step "installing Node.js $NODE_MAJOR (nodejs)"
      install_packages nodejs
    else
      install_packages nodejs npm
    fi
    major=$(node_major)
    [ "$major" -ge "$NODE_MAJOR" ] ||
      die "Node.js $NODE_MAJOR or newer is needed, but after installing it node reports '$(node --version 2>/dev/null || echo none)'"
  fi
  if ! command -v npm >/dev/null 2>&1; then
    step "installing npm"
    install_packages npm
  fi
}

ensure_user() {
  if id -u faafo >/dev/null 2>&1; then
    say "system user faafo already exists"
    return 0
  fi
  step "creating system user faafo"
  useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin faafo </dev/null
}

write_config() {
  step "writing $CONFIG_FILE (transport_url = $TRANSPORT_URL, database_url = $DATABASE_URL, endpoint_url = $ENDPOINT_URL)"
  mkdir -p "$ROOT/etc/faafo"
  # It holds passwords: root may write it, the services (group faafo) may read it, nobody else.
  write_file "$CONFIG_FILE" 0640 <<EOF
# Written by faafo-tutor's install.sh. Read by faafo-api and faafo-worker (--config-file).
[DEFAULT]
transport_url = $TRANSPORT_URL
database_url = $DATABASE_URL
endpoint_url = $ENDPOINT_URL
EOF
  chgrp faafo "$ROOT$CONFIG_FILE"

  mkdir -p "$ROOT$STATE_DIR"
  chmod 0750 "$ROOT$STATE_DIR"
  chown faafo:faafo "$ROOT$STATE_DIR"
}

install_faafo() {
  step "checking for Node.js $NODE_MAJOR or newer"
  ensure_node

  step "installing faafo-tutor@$FAAFO_VERSION (npm install -g)"
  npm install -g --no-audit --no-fund "faafo-tutor@$FAAFO_VERSION" </dev/null
  command -v faafo >/dev/null 2>&1 ||
    die "npm installed faafo-tutor, but no faafo command is on PATH ($PATH)"

  ensure_user
  write_config
}

# --- -r api / worker / demo ---------------------------------------------------------------------

# $4: extra [Service] lines.
write_unit() {
  local name=$1 description=$2 command=$3 extra=${4:-}
  step "writing /etc/systemd/system/$name.service"
  write_file "/etc/systemd/system/$name.service" 0644 <<EOF
# Written by faafo-tutor's install.sh.
[Unit]
Description=$description
Wants=network-online.target
After=network-online.target mariadb.service rabbitmq-server.service

[Service]
Type=simple
User=faafo
Group=faafo
ExecStart=$command
${extra}Restart=on-failure
RestartSec=3
StateDirectory=faafo
StateDirectoryMode=0750

[Install]
WantedBy=multi-user.target
EOF
}

start_unit() {
  local unit=$1 was_active=0
  if systemctl is-active --quiet "$unit" </dev/null; then was_active=1; fi
  step "enabling and starting $unit"
  systemctl enable --now "$unit" </dev/null
  # On a second run the unit is already up: restart it so that it reads the new settings.
  if [ "$was_active" -eq 1 ]; then systemctl restart "$unit" </dev/null; fi
}

run_demo() {
  local tries=30 i
  step "waiting for the API to answer ($API_PROBE_URL, up to ${tries} s)"
  for ((i = 1; i <= tries; i++)); do
    if curl -fsS -o /dev/null "$API_PROBE_URL" </dev/null 2>/dev/null; then
      step "running the demo: faafo --endpoint-url $DEMO_ENDPOINT create"
      faafo --endpoint-url "$DEMO_ENDPOINT" create </dev/null
      return 0
    fi
    sleep 1
  done
  die "the API did not answer at $API_PROBE_URL within ${tries} s, so the demo did not run (see: journalctl -u faafo-api)"
}

setup_roles() {
  local faafo_bin
  faafo_bin=$(command -v faafo)
  if contains api "${ROLES[@]}"; then
    # Port 80 as the unprivileged user faafo.
    write_unit faafo-api "faafo API (Fractals app)" \
      "$faafo_bin api --config-file $CONFIG_FILE --listen-address 0.0.0.0 --bind-port 80" \
      $'AmbientCapabilities=CAP_NET_BIND_SERVICE\n'
  fi
  if contains worker "${ROLES[@]}"; then
    write_unit faafo-worker "faafo worker (Fractals app)" "$faafo_bin worker --config-file $CONFIG_FILE"
  fi
  step "reloading systemd"
  systemctl daemon-reload </dev/null
  if contains api "${ROLES[@]}"; then start_unit faafo-api.service; fi
  if contains worker "${ROLES[@]}"; then start_unit faafo-worker.service; fi
  if contains demo "${ROLES[@]}"; then
    if contains api "${ROLES[@]}"; then
      run_demo
    else
      warn "-r demo needs -r api on the same node; no demo"
    fi
  fi
}

# --- main ---------------------------------------------------------------------------------------

main() {
  trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR

  local opt
  INSTALLS=()
  ROLES=()
  TRANSPORT_URL="amqp://guest:guest@localhost:5672/"
  DATABASE_URL="sqlite:///$STATE_DIR/sqlite.db"
  ENDPOINT_URL="http://127.0.0.1"
  local database_url_given=0

  OPTIND=1
  while getopts ':e:m:d:i:r:' opt; do
    case "$opt" in
      e) ENDPOINT_URL=$OPTARG ;;
      m) TRANSPORT_URL=$OPTARG ;;
      d)
        DATABASE_URL=$OPTARG
        database_url_given=1
        ;;
      i)
        case "$OPTARG" in
          database | messaging | faafo) INSTALLS+=("$OPTARG") ;;
          *) die "unknown installation -i $OPTARG (choose database, messaging or faafo)" ;;
        esac
        ;;
      r)
        case "$OPTARG" in
          api | worker | demo) ROLES+=("$OPTARG") ;;
          *) die "unknown role -r $OPTARG (choose api, worker or demo)" ;;
        esac
        ;;
      :)
        usage
        die "option -$OPTARG needs a value"
        ;;
      *)
        usage
        die "unknown option -$OPTARG"
        ;;
    esac
  done
  shift $((OPTIND - 1))
  [ "$#" -eq 0 ] || {
    usage
    die "unexpected argument '$1'"
  }

  case "$TRANSPORT_URL" in
    amqp://* | amqps://*) ;;
    *) die "-m must be an amqp:// or amqps:// URL, not '$TRANSPORT_URL'" ;;
  esac
  case "$ENDPOINT_URL" in
    http://* | https://*) ;;
    *) die "-e must be an http:// or https:// URL, not '$ENDPOINT_URL'" ;;
  esac
  case "$FAAFO_VERSION" in
    '' | *[!A-Za-z0-9._+-]*) die "FAAFO_VERSION '$FAAFO_VERSION' is not an npm version or tag" ;;
  esac

  local want_database=0 want_messaging=0 want_faafo=0
  if contains database "${INSTALLS[@]}"; then want_database=1; fi
  if contains messaging "${INSTALLS[@]}"; then want_messaging=1; fi
  if contains faafo "${INSTALLS[@]}"; then want_faafo=1; fi

  if [ "${#INSTALLS[@]}" -eq 0 ] && [ "${#ROLES[@]}" -eq 0 ]; then
    usage
    die "nothing to do: give at least one -i or -r"
  fi
  if [ "${#ROLES[@]}" -gt 0 ] && [ "$want_faafo" -eq 0 ] && ! command -v faafo >/dev/null 2>&1; then
    die "-r ${ROLES[*]} needs faafo, which is not installed: add -i faafo"
  fi
  if [ -z "$ROOT" ] && [ "$EUID" -ne 0 ]; then
    die "run as root (sudo bash install.sh …): it installs packages and writes /etc"
  fi

  # The original pointed faafo at root@localhost; ours uses the faafo user it creates.
  if [ "$want_database" -eq 1 ] && [ "$database_url_given" -eq 0 ]; then
    DATABASE_URL="mysql://faafo:password@localhost:3306/faafo"
  fi

  say "installing: ${INSTALLS[*]:-nothing}; roles: ${ROLES[*]:-none}"
  detect_distribution

  if [ "$want_database" -eq 1 ]; then install_database; fi
  if [ "$want_messaging" -eq 1 ]; then install_messaging; fi
  if [ "$want_faafo" -eq 1 ]; then install_faafo; fi
  if [ "${#ROLES[@]}" -gt 0 ]; then
    if [ "$want_faafo" -eq 0 ]; then
      ensure_user
      if [ -f "$ROOT$CONFIG_FILE" ]; then
        say "keeping the existing $CONFIG_FILE"
      else
        write_config
      fi
    fi
    setup_roles
  fi
  CURRENT_STEP="finishing"
  say "done"
}

main "$@"
