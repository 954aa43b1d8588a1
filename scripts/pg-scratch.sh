#!/usr/bin/env bash
# A throw-away PostgreSQL server for benchmarks (faxbench --suites stations --pg-url URL):
#
#   scripts/pg-scratch.sh start DIR    initdb into DIR/data and start the server; prints the
#                                      libpq URL of an empty database "faxstack" (role faxbench)
#   scripts/pg-scratch.sh stop DIR     stop the server and remove DIR
#
# DIR must not exist or be empty, and be a short plain path (the server's Unix socket lives
# in it). The server listens on that socket only (listen_addresses = ''), trusts every local
# connection, and runs with fsync = off: figures measured on it leave out the WAL flush a
# durable server pays per commit (docs/benchmarks.md says so where it matters);
# PG_SCRATCH_FSYNC=on starts it with fsync on instead. Nothing of it survives `stop`.
#
# initdb and postgres refuse to run as root: run as root, the server runs as `nobody`
# (setpriv --reuid=nobody --regid=nogroup --clear-groups) and DIR belongs to it.
set -euo pipefail
umask 077
case "${PG_SCRATCH_FSYNC:-off}" in on | off) ;; *) echo "pg-scratch: PG_SCRATCH_FSYNC: on or off" >&2; exit 2 ;; esac

usage() {
    echo "usage: $0 start|stop DIR" >&2
    exit 2
}
[ $# -eq 2 ] || usage
cmd=$1
dir=$2
case "$dir" in
/*) ;;
*) dir="$PWD/$dir" ;;
esac
if ! [[ "$dir" =~ ^[A-Za-z0-9/_.-]+$ ]] || [ ${#dir} -gt 80 ]; then
    echo "pg-scratch: $dir: use a short path of letters, digits, '/', '_', '.', '-' (the socket lives there)" >&2
    exit 2
fi

bindir() {
    local b
    if command -v pg_config >/dev/null 2>&1; then
        b=$(pg_config --bindir 2>/dev/null || true)
        if [ -n "$b" ] && [ -x "$b/initdb" ] && [ -x "$b/pg_ctl" ]; then
            echo "$b"
            return
        fi
    fi
    for b in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$b/initdb" ] && [ -x "$b/pg_ctl" ]; then
            echo "$b"
            return
        fi
    done
    echo "pg-scratch: PostgreSQL server binaries (initdb, pg_ctl) not found: not in pg_config --bindir, none" \
        "under /usr/lib/postgresql/*/bin (install the postgresql package; scripts/setup.sh does)" >&2
    exit 3
}

# Runs as the server's user: `nobody` when we are root, else ourselves.
as_server() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
    else
        "$@"
    fi
}

case "$cmd" in
start)
    bin=$(bindir)
    if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
        echo "pg-scratch: $dir exists and is not empty" >&2
        exit 2
    fi
    mkdir -p -m 0700 "$dir"
    chmod 0700 "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown nobody:nogroup "$dir"
        # nobody must reach DIR through its parents.
        p=$(dirname "$dir")
        while :; do
            if [ "$(( $(stat -c '0%a' "$p") & 1 ))" -eq 0 ]; then
                echo "pg-scratch: $p is not searchable by others: nobody cannot reach $dir" >&2
                exit 2
            fi
            [ "$p" = / ] && break
            p=$(dirname "$p")
        done
    fi
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
    if ! TZ=UTC as_server "$bin/initdb" -D "$dir/data" -U faxbench --auth=trust -E UTF8 --locale=C \
        --no-sync --no-instructions >"$dir/initdb.log" 2>&1; then
        echo "pg-scratch: initdb failed:" >&2
        tail -20 "$dir/initdb.log" >&2
        exit 1
    fi
    cat >>"$dir/data/postgresql.conf" <<EOF

# scripts/pg-scratch.sh: a throw-away server for benchmarks; Unix socket only, no fsync
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
fsync = ${PG_SCRATCH_FSYNC:-off}
EOF
    if ! as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -s start >"$dir/pg_ctl.log" 2>&1; then
        echo "pg-scratch: the server did not start:" >&2
        tail -20 "$dir/pg_ctl.log" "$dir/server.log" >&2 || true
        exit 1
    fi
    if ! as_server "$bin/createdb" -h "$dir" -p "$port" -U faxbench faxstack >>"$dir/pg_ctl.log" 2>&1; then
        echo "pg-scratch: createdb failed:" >&2
        tail -5 "$dir/pg_ctl.log" >&2
        exit 1
    fi
    echo "postgresql:///faxstack?host=${dir//\//%2F}&port=$port&user=faxbench"
    ;;
stop)
    [ -d "$dir" ] || exit 0
    # Only a directory this script made: data/ of a cluster, or nothing at all.
    if [ -n "$(ls -A "$dir")" ] && [ ! -f "$dir/data/PG_VERSION" ] && [ ! -f "$dir/initdb.log" ]; then
        echo "pg-scratch: $dir does not look like a scratch cluster; left alone" >&2
        exit 2
    fi
    if [ -f "$dir/data/postmaster.pid" ]; then
        bin=$(bindir)
        as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 -s stop >/dev/null 2>&1 ||
            as_server "$bin/pg_ctl" -D "$dir/data" -m immediate -s stop >/dev/null 2>&1 || true
    fi
    rm -rf -- "$dir"
    ;;
*) usage ;;
esac
