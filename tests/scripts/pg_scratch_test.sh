#!/usr/bin/env bash
# scripts/pg-scratch.sh, as bench.sh runs it: `start DIR` prints a URL a client connects
# with (role faxbench, an empty database faxstack, fsync off, no TCP); a second start into
# the same directory is refused; `stop DIR` stops the server and removes DIR; a directory
# that is not a scratch cluster is left alone. Skipped (77) without the server binaries.
set -uo pipefail
cd "$1"
psql=""
for b in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$b/initdb" ] && [ -x "$b/psql" ] && psql="$b/psql" && break
done
[ -n "$psql" ] || { echo "SKIP: no PostgreSQL server binaries under /usr/lib/postgresql"; exit 77; }

dir=$(mktemp -u /tmp/pgscratch-test-XXXXXX)
other=$(mktemp -d /tmp/pgscratch-other-XXXXXX)
trap 'scripts/pg-scratch.sh stop "$dir" >/dev/null 2>&1; rm -rf "$other"' EXIT
status=0
check() {  # what, then the command
    local what=$1
    shift
    if ! "$@"; then
        echo "FAIL: $what"
        status=1
    fi
}

url=$(scripts/pg-scratch.sh start "$dir") || { echo "FAIL: start exited $?"; exit 1; }
check "the URL names the socket directory, database and role" \
    [ "$url" != "${url#postgresql:///faxstack?host=${dir//\//%2F}&port=}" ]
check "the URL ends with the role" [ "${url%&user=faxbench}" != "$url" ]
got=$("$psql" "$url" -XAtc "select current_user || ' ' || current_database() || ' ' || current_setting('fsync') \
    || ' ' || current_setting('listen_addresses') || '|' \
    || (select count(*) from pg_catalog.pg_tables where schemaname = current_schema())")
check "connects as faxbench to faxstack, fsync off, no TCP, empty (got '$got')" [ "$got" = "faxbench faxstack off |0" ]
check "DIR is private" [ "$(stat -c %a "$dir")" = 700 ]
check "a second start into the same DIR is refused" bash -c "! scripts/pg-scratch.sh start '$dir' >/dev/null 2>&1"

touch "$other/keep"
check "stop leaves a directory that is not a scratch cluster alone" \
    bash -c "! scripts/pg-scratch.sh stop '$other' 2>/dev/null && [ -f '$other/keep' ]"

check "stop succeeds" scripts/pg-scratch.sh stop "$dir"
check "stop removed DIR" [ ! -e "$dir" ]
check "the server is gone" bash -c "! '$psql' '$url' -XAtc 'select 1' >/dev/null 2>&1"
exit $status
