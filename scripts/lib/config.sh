# shellcheck shell=bash disable=SC2034 # The sourcing scripts use these variables.
# Shared settings of the native stack scripts. Source this file, do not run it.
#
# Every MICROBLOG_* value can be set in the environment. The values are
# exported, so the scripts that one script calls use the same settings.

MICROBLOG_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)"

: "${MICROBLOG_STATE_DIR:=$MICROBLOG_ROOT/.state/dev}"
: "${MICROBLOG_HTTP_PORT:=8080}"
: "${MICROBLOG_STATS_PORT:=8404}"
: "${MICROBLOG_PG_PORT:=25432}"
: "${MICROBLOG_REDIS_PORT:=26379}"
: "${MICROBLOG_DYNAMODB_PORT:=5800}"
: "${MICROBLOG_REGISTRY_PORT:=5000}"
: "${MICROBLOG_USERS_PORT:=5101}"
: "${MICROBLOG_TIMELINES_PORT:=5102}"
: "${MICROBLOG_BEANSTALKD_PORT:=11300}"
: "${MICROBLOG_SMTP_PORT:=1025}"
: "${MICROBLOG_MAIL_UI_PORT:=8025}"
: "${MICROBLOG_LIKES_PORT:=5103}"
: "${MICROBLOG_POLLS_PORT:=5104}"
: "${MICROBLOG_VENV:=$MICROBLOG_ROOT/.venv}"

# The scripts change directory, so relative paths are resolved once, here.
case "$MICROBLOG_STATE_DIR" in
    /*) ;;
    *) MICROBLOG_STATE_DIR="$PWD/$MICROBLOG_STATE_DIR" ;;
esac
case "$MICROBLOG_VENV" in
    /*) ;;
    *) MICROBLOG_VENV="$PWD/$MICROBLOG_VENV" ;;
esac

for _port_variable in MICROBLOG_HTTP_PORT MICROBLOG_STATS_PORT MICROBLOG_PG_PORT \
    MICROBLOG_REDIS_PORT MICROBLOG_DYNAMODB_PORT MICROBLOG_USERS_PORT MICROBLOG_TIMELINES_PORT \
    MICROBLOG_LIKES_PORT MICROBLOG_POLLS_PORT MICROBLOG_BEANSTALKD_PORT MICROBLOG_SMTP_PORT \
    MICROBLOG_MAIL_UI_PORT MICROBLOG_REGISTRY_PORT; do
    if [[ ! "${!_port_variable}" =~ ^[0-9]+$ ]] \
        || ((${!_port_variable} < 1 || ${!_port_variable} > 65535)); then
        echo "invalid $_port_variable '${!_port_variable}': expected a TCP port number from 1 to 65535" >&2
        exit 2
    fi
done
unset _port_variable

export MICROBLOG_STATE_DIR MICROBLOG_HTTP_PORT MICROBLOG_STATS_PORT MICROBLOG_PG_PORT \
    MICROBLOG_REDIS_PORT MICROBLOG_DYNAMODB_PORT MICROBLOG_USERS_PORT MICROBLOG_TIMELINES_PORT \
    MICROBLOG_LIKES_PORT MICROBLOG_POLLS_PORT MICROBLOG_BEANSTALKD_PORT MICROBLOG_SMTP_PORT \
    MICROBLOG_MAIL_UI_PORT MICROBLOG_REGISTRY_PORT MICROBLOG_VENV

# Paths inside the state folder. They follow from MICROBLOG_STATE_DIR.
LOG_DIR="$MICROBLOG_STATE_DIR/logs"
RUN_DIR="$MICROBLOG_STATE_DIR/run"
PG_DATA_DIR="$MICROBLOG_STATE_DIR/postgres"
PG_PASSWORD_FILE="$MICROBLOG_STATE_DIR/postgres.password"
HAPROXY_CONFIG="$MICROBLOG_STATE_DIR/haproxy.cfg"
REDIS_DIR="$MICROBLOG_STATE_DIR/redis"
BEANSTALKD_DIR="$MICROBLOG_STATE_DIR/beanstalkd"
# The shared secret of the services' /internal/ endpoints, which the workers
# call. Generated at the first start, like the Postgres password.
SERVICE_TOKEN_FILE="$MICROBLOG_STATE_DIR/service.token"
MAILDEV_VERSION=2.2.1
MAILDEV_DIR="$MICROBLOG_ROOT/.tools/maildev"
# Present in every folder that scripts/up created. `up --fresh` deletes only
# such folders (or empty ones), not a folder named by mistake.
STATE_MARKER="$MICROBLOG_STATE_DIR/.microblog-state"
# Present from the creation of the cluster until the sample data is loaded,
# so a start that failed in between loads it on the next start.
SEED_PENDING_FILE="$MICROBLOG_STATE_DIR/seed.pending"

PG_SUPERUSER=microblog
# The OS user that owns the cluster and runs Postgres when the scripts run as
# root, because Postgres refuses to run as root.
PG_OS_USER=postgres
# The API services behind HAProxy.
SERVICE_NAMES=(users timelines likes polls)
# The services that keep their data in a Postgres database of the same name.
PG_SERVICE_NAMES=(users timelines)
# Start order. scripts/down stops in the reverse order.
# The job queue's tubes; one worker kind per tube.
WORKER_KINDS=(timeline like poll email account)
COMPONENT_NAMES=(postgres redis dynamodb beanstalkd maildev registry users timelines likes polls
    haproxy templater worker-timeline worker-like worker-poll worker-email worker-account)
# Extra instances that `scripts/up --scale` or `--workers` started
# (timelines-2, worker-like-2, ...), found
# by their pid files, so scripts/down and scripts/status see them too.
for _pid_path in "$RUN_DIR"/*-[0-9]*.pid; do
    [[ -e "$_pid_path" ]] || continue
    _instance="${_pid_path##*/}"
    _instance="${_instance%.pid}"
    if [[ " ${SERVICE_NAMES[*]} " == *" ${_instance%-*} "* \
        || " ${WORKER_KINDS[*]/#/worker-} " == *" ${_instance%-*} "* ]]; then
        COMPONENT_NAMES+=("$_instance")
    fi
done
unset _pid_path _instance

API_BASE_URL="http://127.0.0.1:$MICROBLOG_HTTP_PORT"
STATS_URL="http://127.0.0.1:$MICROBLOG_STATS_PORT/"
HAPROXY_ADMIN_SOCKET="$RUN_DIR/haproxy.sock"
REGISTRY_URL="http://127.0.0.1:$MICROBLOG_REGISTRY_PORT"
HAPROXY_ERRORS_DIR="$MICROBLOG_ROOT/infra/haproxy/errors"
# moto's server returns 200 on this path once it serves requests.
DYNAMODB_HEALTH_URL="http://127.0.0.1:$MICROBLOG_DYNAMODB_PORT/moto-api/"
