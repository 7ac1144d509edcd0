# Project-local PostgreSQL for development and tests. Sourced by .ci/start and .ci/test.
#
#   pg_ensure_installed            installs Debian's postgresql when it is missing (root only)
#   pg_start <data-dir> [opts]     creates the cluster on first use, starts it on a free loopback port (or reuses
#                                  a running one), and sets PG_PORT and PG_CONNECTION (an Npgsql connection string)
#   pg_restart <data-dir>          restarts it (same port and options)
#   pg_stop <data-dir>             stops it
#
# The cluster belongs to the OS user "postgres" when run as root (initdb refuses root), trusts loopback connections
# only, and listens on 127.0.0.1 alone: it is a developer's throwaway database, never a deployment (see
# docker-compose.yml for that).

pg_bin_dir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_ensure_installed() {
    if [ -n "$(pg_bin_dir)" ] && [ -x "$(pg_bin_dir)/initdb" ]; then return 0; fi
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "PostgreSQL is not installed and this user cannot install it. Install Debian's 'postgresql' package," >&2
        echo "or set ConnectionStrings__Archive to an existing database." >&2
        return 1
    fi
    echo "Installing PostgreSQL (Debian package 'postgresql')..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    # policy-rc.d keeps the package from starting its own system cluster on 5432; we run ours.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    rm -f /usr/sbin/policy-rc.d
}

# Runs a PostgreSQL binary as the cluster's owner.
pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pg_free_port() {
    pg_free_port_from 55432
}

# The first free loopback port of the 100 from $1.
pg_free_port_from() {
    local port
    for port in $(seq "$1" $(($1 + 100))); do
        if ! pg_port_in_use "$port"; then echo "$port"; return 0; fi
    done
    echo "No free port in $1-$(($1 + 100))." >&2
    return 1
}

pg_start() {
    local data="$1" extra="${2:-}" bin
    bin="$(pg_bin_dir)"
    mkdir -p "$data"
    data="$(cd "$data" && pwd)"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$data"; chmod 700 "$data"; fi
    if [ ! -f "$data/PG_VERSION" ]; then
        echo "Creating a PostgreSQL cluster in $data"
        pg_as_owner "$bin/initdb" -D "$data" -U archive --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if pg_as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        PG_PORT="$(sed -n 4p "$data/postmaster.pid" | tr -d ' ')"
        echo "Reusing the PostgreSQL already running on 127.0.0.1:$PG_PORT"
    else
        PG_PORT="$(pg_free_port)"
        pg_as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
            -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$data' $extra" start >/dev/null
        echo "Started PostgreSQL on 127.0.0.1:$PG_PORT (log: $data/server.log)"
    fi
    PG_CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Username=archive;Database=archive"
    export PG_PORT PG_CONNECTION
}

# Restarts a running cluster with the options it was started with (pg_ctl keeps them in postmaster.opts).
pg_restart() {
    local data="$1"
    pg_as_owner "$(pg_bin_dir)/pg_ctl" -D "$data" -m fast -w -t 60 restart >/dev/null
}

pg_stop() {
    local data="$1"
    [ -f "$data/PG_VERSION" ] || return 0
    pg_as_owner "$(pg_bin_dir)/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
}

# Creates a database if it does not exist yet.
pg_create_database() {
    local name="$1"
    if ! "$(pg_bin_dir)/psql" -h 127.0.0.1 -p "$PG_PORT" -U archive -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
        "$(pg_bin_dir)/createdb" -h 127.0.0.1 -p "$PG_PORT" -U archive "$name"
    fi
}
