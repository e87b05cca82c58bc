# Shared by scripts/run and scripts/test: install what is missing, quietly when it is there.

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: '$*' needs root; run it as root or install sudo" >&2; return 1; fi
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# PostgreSQL server binaries (initdb, pg_ctl, postgres): the managed cluster needs them.
ensure_postgresql() {
  if [ -n "${CHAINSTORE_PG_BINDIR:-}" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then return 0; fi
  echo "Installing PostgreSQL (apt-get install postgresql)…"
  apt_install postgresql
}

# The world's countries and currencies (ISO 3166, ISO 4217) are read from Debian's iso-codes.
ensure_reference_data() {
  [ -f /usr/share/iso-codes/json/iso_3166-1.json ] || apt_install iso-codes
}

# The device broker (MQTT): Debian's Mosquitto, which the tests start on ports of their own.
ensure_mosquitto() {
  command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || apt_install mosquitto
}

# start_mosquitto FOLDER PORT: Mosquitto as a daemon on 127.0.0.1:PORT (no persistence), its pid
# in FOLDER/mosquitto.pid and in $mosquitto_pid. Devices sign in with the credentials the server
# issues: the server (`serve --mqtt-auth-dir FOLDER --mqtt-password-file FOLDER/platform.secret`)
# rewrites FOLDER/passwd and FOLDER/acl from its registry and makes the broker reload them; until
# then they hold only the platform's own user, whose password is made here. Started as root,
# Mosquitto runs as its own user: FOLDER (and the folders above it) must let that user in.
start_mosquitto() {
  local folder=$1 port=$2
  mkdir -p "$folder"
  chmod 777 "$folder"
  rm -f "$folder/mosquitto.pid"
  [ -s "$folder/platform.secret" ] || (umask 077; head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$folder/platform.secret")
  rm -f "$folder/passwd"
  "$(command -v mosquitto_passwd || echo /usr/bin/mosquitto_passwd)" -c -b "$folder/passwd" chainstore_platform "$(cat "$folder/platform.secret")"
  printf 'user chainstore_platform\ntopic readwrite cs/v1/#\n' > "$folder/acl"
  chmod 644 "$folder/passwd" "$folder/acl"
  # set_tcp_nodelay: acknowledgements and commands are small packets, sent at once (no Nagle delay).
  printf 'listener %s 127.0.0.1\nallow_anonymous false\npassword_file %s\nacl_file %s\npersistence false\nset_tcp_nodelay true\npid_file %s\n' \
    "$port" "$folder/passwd" "$folder/acl" "$folder/mosquitto.pid" > "$folder/mosquitto.conf"
  "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -d -c "$folder/mosquitto.conf"
  for _ in $(seq 1 100); do [ -s "$folder/mosquitto.pid" ] && break; sleep 0.05; done
  [ -s "$folder/mosquitto.pid" ] || { echo "error: Mosquitto did not start on port $port (see $folder)" >&2; return 1; }
  mosquitto_pid=$(cat "$folder/mosquitto.pid")
}

# The back office draws its dashboard's charts with Debian's Chart.js (served by the node, never a CDN).
ensure_web_packages() {
  [ -f /usr/share/javascript/chart.js/chart.min.js ] || apt_install libjs-chart.js
}

ensure_swift() {
  # zlib's headers: ZIP archives (Alipay's bills) are read with it.
  [ -f /usr/include/zlib.h ] || apt_install zlib1g-dev
  if command -v swift >/dev/null; then return 0; fi
  if [ -x /opt/swift/usr/bin/swift ]; then export PATH="/opt/swift/usr/bin:$PATH"; return 0; fi
  echo "error: the Swift 6 toolchain is not on PATH (see https://www.swift.org/install)" >&2
  return 1
}

# start_payment_sandbox KEYS SANDBOX_PORT SERVER_PORT LOG: runs `chainstore sandbox-pay` (its pid in
# $sandbox_pid) and writes KEYS/payments.json, the configuration `serve --payments` reads:
# WeChat Pay API v3 and Alipay against the sandbox, callbacks to the server on SERVER_PORT.
start_payment_sandbox() {
  local keys=$1 sandbox_port=$2 server_port=$3 log=$4 bin=${CHAINSTORE_BIN:-.build/release/chainstore}
  mkdir -p "$keys"
  "$bin" sandbox-pay --port "$sandbox_port" --keys "$keys" > "$log" 2>&1 &
  sandbox_pid=$!
  # Ready once it listens (its keys are all written by then).
  for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$sandbox_port") 2>/dev/null && break; sleep 0.1; done
  cat > "$keys/payments.json" <<JSON
{"notify_base": "http://127.0.0.1:$server_port",
 "wechat": {"api": "v3", "base": "http://127.0.0.1:$sandbox_port", "appid": "wx8888888888888888", "mch_id": "1900000109",
            "merchant_serial_no": "$(cat "$keys/wechat_merchant_serial")", "merchant_private_key_file": "wechat_merchant_private.pem",
            "apiv3_key_file": "wechat_apiv3_key", "platform_public_keys": {"$(cat "$keys/wechat_public_key_id")": "wechat_platform_public.pem"}},
 "alipay": {"gateway": "http://127.0.0.1:$sandbox_port/gateway.do", "app_id": "2021004112345678", "seller_id": "2088102119685838",
            "app_private_key_file": "alipay_app_private.pem", "alipay_public_key_file": "alipay_platform_public.pem"}}
JSON
  chmod 600 "$keys/payments.json"
}
