# shellcheck shell=bash
# Helpers shared by the native stack scripts. Source config.sh first.

SCRIPT_NAME="${0##*/}"

die() {
    echo "$SCRIPT_NAME: error: $*" >&2
    exit 1
}

warn() {
    echo "$SCRIPT_NAME: warning: $*" >&2
}

is_root() {
    [[ "$(id -u)" -eq 0 ]]
}

# Print the bin folder of the Postgres server to use: the version that created
# the cluster if there is one, else the newest under /usr/lib/postgresql. The
# wrappers in /usr/bin and /usr/local/bin are skipped on purpose, because they
# pick a version by their own rules.
pg_bin_dir() {
    local candidate newest="" cluster_version=""
    if [[ -r "$PG_DATA_DIR/PG_VERSION" ]]; then
        cluster_version="$(<"$PG_DATA_DIR/PG_VERSION")"
    fi
    if [[ -n "$cluster_version" ]]; then
        candidate="/usr/lib/postgresql/$cluster_version/bin"
        if [[ -x "$candidate/postgres" ]]; then
            echo "$candidate"
            return 0
        fi
        warn "the cluster in $PG_DATA_DIR needs Postgres $cluster_version, which is not installed"
        return 1
    fi

    # sort -V, because the glob sorts "10" before "9".
    while read -r candidate; do
        if [[ -x "$candidate/postgres" && -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
            newest="$candidate"
        fi
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
    [[ -n "$newest" ]] || return 1
    echo "$newest"
}

# Print the path of the haproxy binary. A user's PATH often lacks /usr/sbin.
haproxy_bin() {
    if command -v haproxy >/dev/null 2>&1; then
        command -v haproxy
    elif [[ -x /usr/sbin/haproxy ]]; then
        echo /usr/sbin/haproxy
    else
        return 1
    fi
}

# Run a command as the OS user that owns the Postgres cluster.
run_as_pg_owner() {
    if is_root; then
        runuser -u "$PG_OS_USER" -- "$@"
    else
        "$@"
    fi
}

# Print the port of a service instance: the MICROBLOG_<NAME>_PORT value for
# the first instance, the port recorded at start for an extra one.
service_port() {
    local name="$1" variable
    if [[ -f "$RUN_DIR/$name.port" ]]; then
        cat -- "$RUN_DIR/$name.port"
        return 0
    fi
    variable="MICROBLOG_${name^^}_PORT"
    echo "${!variable}"
}

pid_file() {
    echo "$RUN_DIR/$1.pid"
}

log_file() {
    echo "$LOG_DIR/$1.log"
}

# Print the PID of a component if its pid file names a live process of the
# expected program. A stale file whose PID was reused by another program
# therefore counts as not running.
running_pid() {
    local name="$1" file pid program cmdline
    file="$(pid_file "$name")"
    [[ -f "$file" ]] || return 1
    pid="$(head -n 1 "$file" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [[ -r "/proc/$pid/cmdline" ]] || return 1
    case "$name" in
        postgres) program=postgres ;;
        haproxy) program=haproxy ;;
        redis) program=redis-server ;;
        beanstalkd) program=beanstalkd ;;
        maildev) program=maildev ;;
        worker-*) program=services.workers ;;
        templater) program=infra.haproxy.templater ;;
        *) program=gunicorn ;;
    esac
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
    [[ "$cmdline" == *"$program"* ]] || return 1
    echo "$pid"
}

# Succeed if something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Print the HTTP status code of a GET, or 000 when no response arrived.
# An optional second argument is sent as the Host header.
http_status() {
    local url="$1" host="${2:-}"
    local -a header=()
    if [[ -n "$host" ]]; then
        header=(-H "Host: $host")
    fi
    curl -s -o /dev/null -w '%{http_code}' --max-time 3 "${header[@]}" "$url" || true
}

# Succeed if the postgres OS user can reach DIR. Postgres runs as that user
# when the scripts run as root, so every parent folder must be searchable by it.
pg_owner_can_reach() {
    if ! is_root; then
        return 0
    fi
    runuser -u "$PG_OS_USER" -- test -x "$1"
}
