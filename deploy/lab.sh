# The HA lab's places, ports and helpers, shared by deploy/lab and the drills (sourced, not run).
# Everything listens on 127.0.0.1, below the kernel's ephemeral range (32768 and up) so no outgoing
# connection can hold a port the lab needs, keeps its files under $LAB_DIR and is stopped by pid.

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$DEPLOY_DIR")"
LAB_DIR="${LAB_DIR:-/tmp/chainstore-lab}"
LAB_BASE="${LAB_BASE:-26400}"

NGINX_PORT=$LAB_BASE
# Chainstore nodes: two web/API nodes, two bus nodes, two cron nodes (name:port:roles).
LAB_NODES="api1:$((LAB_BASE + 1)):web,api api2:$((LAB_BASE + 2)):web,api bus1:$((LAB_BASE + 3)):bus bus2:$((LAB_BASE + 4)):bus cron1:$((LAB_BASE + 5)):cron cron2:$((LAB_BASE + 6)):cron"
PG1_PORT=$((LAB_BASE + 11))
PG2_PORT=$((LAB_BASE + 12))
PITR_PORT=$((LAB_BASE + 13))
# The optional asynchronous replica (deploy/lab up --async-replica): reads only, straight to it.
PG3_PORT=$((LAB_BASE + 14))
# HAProxy's role checks: `chainstore pg-role-agent` beside pg1 and pg2.
PG1_AGENT_PORT=$((LAB_BASE + 16))
PG2_AGENT_PORT=$((LAB_BASE + 17))
RW_PORT=$((LAB_BASE + 20))
RO_PORT=$((LAB_BASE + 21))
HAPROXY_STATS_PORT=$((LAB_BASE + 22))
MQTT_PORT=$((LAB_BASE + 30))

LAB_DB=demo
LAB_DB_USER=chainstore
LAB_DB_PASSWORD=chainstore-lab
# Writes through HAProxy's read-write port (the primary, whichever node it is); reads that may be
# a moment old through the read-only port (the standby, or the primary when no standby is up).
LAB_DATABASE_URL="postgres://$LAB_DB_USER:$LAB_DB_PASSWORD@127.0.0.1:$RW_PORT/$LAB_DB"
LAB_REPLICA_URL="postgres://$LAB_DB_USER:$LAB_DB_PASSWORD@127.0.0.1:$RO_PORT/$LAB_DB"
LAB_ASYNC_URL="postgres://$LAB_DB_USER:$LAB_DB_PASSWORD@127.0.0.1:$PG3_PORT/$LAB_DB"
LAB_URL="http://127.0.0.1:$NGINX_PORT"
# The nodes' log records, in a database of their own (on the same cluster here).
LAB_LOGS_URL="postgres://$LAB_DB_USER:$LAB_DB_PASSWORD@127.0.0.1:$RW_PORT/chainstore_logs"

PG_BIN="${CHAINSTORE_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"

lab_bin() {
  if [ -n "${CHAINSTORE_BIN:-}" ]; then echo "$CHAINSTORE_BIN"
  elif [ -x "$REPO_DIR/.build/release/chainstore" ]; then echo "$REPO_DIR/.build/release/chainstore"
  else echo "$REPO_DIR/.build/debug/chainstore"; fi
}

# PostgreSQL refuses to run as root: as root its commands run as the `postgres` user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_ctl_node() { # pg_ctl_node NAME ACTION [ARGS…]
  local name=$1 action=$2; shift 2
  as_pg "$PG_BIN/pg_ctl" -D "$LAB_DIR/$name" -l "$LAB_DIR/log/$name.log" -w -t 60 "$action" "$@" >/dev/null
}

psql_at() { # psql_at PORT SQL…: one value per line, as the lab's superuser
  "$PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$1" -U postgres -d "${PSQL_DB:-postgres}" -v ON_ERROR_STOP=1 -c "$2"
}

pg_up() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -t 1; }

wait_for() { # wait_for SECONDS COMMAND…: polls every 0.2 s
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

http_ok() { curl -fs -o /dev/null --max-time 2 "$1"; }

# The pid of a postmaster from its postmaster.pid; a zombie (killed, not yet reaped) counts as gone.
postmaster_pid() {
  local pid
  pid=$(head -1 "$LAB_DIR/$1/postmaster.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && echo "$pid"
}

stop_pidfile() { # stop_pidfile FILE [SIGNAL]
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 0
  [ -n "$pid" ] && kill "-${2:-TERM}" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$1"
}

node_field() { # node_field NAME FIELD(2=port,3=roles)
  local entry
  for entry in $LAB_NODES; do
    [ "${entry%%:*}" = "$1" ] && { echo "$entry" | cut -d: -f"$2"; return 0; }
  done
  return 1
}

# start_node NAME [EXTRA ARGS…]: a Chainstore node on its port with its roles, both databases'
# URLs, behind nginx (its address trusted for X-Forwarded-For). Its pid in run/NAME.pid.
start_node() {
  local name=$1 port roles; shift
  port=$(node_field "$name" 2); roles=$(node_field "$name" 3)
  local args=(serve --port "$port" --role "$roles" --database-url "$LAB_DATABASE_URL" --replica-url "$LAB_REPLICA_URL"
    --database "$LAB_DB" --trusted-proxy 127.0.0.1 --log-database-url "$LAB_LOGS_URL")
  [ -d "$LAB_DIR/pg3" ] && args+=(--replica-url "$LAB_ASYNC_URL")
  case $roles in *api*) [ -s "$LAB_DIR/mqtt/platform.secret" ] && args+=(--mqtt "127.0.0.1:$MQTT_PORT"
    --mqtt-password-file "$LAB_DIR/mqtt/platform.secret" --mqtt-auth-dir "$LAB_DIR/mqtt");; esac
  nohup "$(lab_bin)" "${args[@]}" "$@" >> "$LAB_DIR/log/$name.log" 2>&1 &
  echo $! > "$LAB_DIR/run/$name.pid"
}

# start_agent pg1|pg2: the node's role agent for HAProxy's checks (the other node its peer).
start_agent() {
  local port=$PG1_AGENT_PORT node=$PG1_PORT peer=$PG2_PORT
  [ "$1" = pg2 ] && port=$PG2_AGENT_PORT node=$PG2_PORT peer=$PG1_PORT
  nohup "$(lab_bin)" pg-role-agent --listen "127.0.0.1:$port" --node "postgres://postgres@127.0.0.1:$node/postgres" \
    --peer "postgres://postgres@127.0.0.1:$peer/postgres" >> "$LAB_DIR/log/agent-$1.log" 2>&1 &
  echo $! > "$LAB_DIR/run/agent-$1.pid"
}

wait_node() { wait_for "${2:-120}" http_ok "http://127.0.0.1:$(node_field "$1" 2)/health/ready"; }

# Which PostgreSQL node is the primary now (pg1 or pg2), by asking each.
current_primary() {
  local name port
  for name in pg1 pg2; do
    port=$PG1_PORT; [ "$name" = pg2 ] && port=$PG2_PORT
    [ "$(psql_at "$port" 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && { echo "$name"; return 0; }
  done
  return 1
}

pg_port() { case $1 in pg1) echo "$PG1_PORT";; pg2) echo "$PG2_PORT";; pg3) echo "$PG3_PORT";; esac; }
other_pg() { if [ "$1" = pg1 ]; then echo pg2; else echo pg1; fi; }
