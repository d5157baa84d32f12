# shellcheck shell=bash
# Helpers shared by backup-db.sh and restore-db.sh: messages, the choice of how to reach
# PostgreSQL, archive checks and the creation of one backup set.
#
# Connection modes, chosen in this order:
#   url        DATABASE_URL is set (SQLAlchemy's postgresql+psycopg:// is accepted)
#   env        a libpq variable (PGHOST, PGHOSTADDR, PGPORT, PGDATABASE, PGUSER,
#              PGSERVICE) is set
#   container  otherwise: `docker exec -i CONTAINER_NAME` (default bazi_postgres) as
#              DB_USER (default postgres) on DB_NAME (default bazi_master)

# cron starts jobs with PATH=/usr/bin:/bin, where docker and some PostgreSQL client
# installations are missing.
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export PATH

PROGRAM=$(basename "$0")
CLEANUP_FILES=()

log() {
    printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PROGRAM" "$*" >&2
}

die() {
    log "error: $*"
    exit 1
}

# Remove every file registered in CLEANUP_FILES; the EXIT traps call this so that a
# failed or interrupted run leaves no partial file behind.
remove_cleanup_files() {
    local file
    for file in "${CLEANUP_FILES[@]}"; do
        rm -f -- "$file"
    done
    CLEANUP_FILES=()
}

require_command() {
    command -v "$1" >/dev/null 2>&1 || die "$1 not found in PATH ($PATH); $2"
}

# Check that a variable contains a non-negative integer.
require_integer() {
    local name=$1 value=$2
    [[ $value =~ ^[0-9]+$ ]] || die "invalid $name '$value': expected a whole number"
}

json_string() {
    local text=$1
    text=${text//\\/\\\\}
    text=${text//\"/\\\"}
    text=${text//$'\n'/\\n}
    text=${text//$'\r'/\\r}
    text=${text//$'\t'/\\t}
    printf '"%s"' "$text"
}

file_sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum -- "$1" | awk '{print $1}'
    else
        shasum -a 256 -- "$1" | awk '{print $1}'
    fi
}

# Seconds since the epoch with microseconds (bash 5's EPOCHREALTIME).
now_seconds() {
    printf '%s' "${EPOCHREALTIME/,/.}"
}

elapsed_since() {
    awk -v start="$1" -v end="$(now_seconds)" 'BEGIN { printf "%.3f", end - start }'
}

# --- Connection -------------------------------------------------------------------

# Convert DATABASE_URL to a libpq URI: drop a SQLAlchemy driver suffix such as
# "+psycopg" and reject schemes other than PostgreSQL.
libpq_url() {
    local url=$1 scheme
    [[ $url == *://* ]] || die "invalid DATABASE_URL: expected postgresql://user@host/db"
    scheme=${url%%://*}
    case ${scheme%%+*} in
        postgresql | postgres) ;;
        *) die "DATABASE_URL uses scheme '$scheme'; backups need a PostgreSQL URL" ;;
    esac
    printf 'postgresql://%s' "${url#*://}"
}

# Percent-encode a database name for the path of a libpq URI.
url_encode() {
    local text=$1 out="" char i
    local LC_ALL=C
    for ((i = 0; i < ${#text}; i++)); do
        char=${text:i:1}
        if [[ $char == [A-Za-z0-9._~-] ]]; then
            out+=$char
        else
            out+=$(printf '%%%02X' "'$char")
        fi
    done
    printf '%s' "$out"
}

# Replace the database of a libpq URI, keeping user, password, host and options.
url_with_database() {
    local rest=${1#postgresql://} query=""
    if [[ $rest == *\?* ]]; then
        query="?${rest#*\?}"
        rest=${rest%%\?*}
    fi
    printf 'postgresql://%s/%s%s' "${rest%%/*}" "$(url_encode "$2")" "$query"
}

select_connection() {
    if [[ -n ${DATABASE_URL:-} ]]; then
        PG_MODE="url"
        PG_URL=$(libpq_url "$DATABASE_URL")
    elif [[ -n ${PGHOST:-}${PGHOSTADDR:-}${PGPORT:-}${PGDATABASE:-}${PGUSER:-}${PGSERVICE:-} ]]; then
        PG_MODE="env"
    else
        PG_MODE="container"
        CONTAINER_NAME=${CONTAINER_NAME:-bazi_postgres}
        DB_USER=${DB_USER:-postgres}
        DB_NAME=${DB_NAME:-bazi_master}
        require_command docker "install the Docker CLI, or set DATABASE_URL or PGHOST"
    fi
}

describe_connection() {
    case $PG_MODE in
        url) printf 'DATABASE_URL' ;;
        env) printf 'libpq variables (PGHOST=%s)' "${PGHOST:-local socket}" ;;
        container) printf 'container %s as %s' "$CONTAINER_NAME" "$DB_USER" ;;
    esac
}

# Run a PostgreSQL client against database $1 ("" means the configured database).
# Never prompts for a password, so cron and scripts fail instead of hanging.
run_on() {
    local database=$1 tool=$2
    shift 2
    case $PG_MODE in
        url)
            local url=$PG_URL
            [[ -z $database ]] || url=$(url_with_database "$PG_URL" "$database")
            "$tool" --no-password --dbname="$url" "$@"
            ;;
        env)
            if [[ -n $database ]]; then
                PGDATABASE=$database "$tool" --no-password "$@"
            else
                "$tool" --no-password "$@"
            fi
            ;;
        container)
            # -i without -t: a TTY would rewrite line endings in binary output.
            docker exec -i "$CONTAINER_NAME" "$tool" --no-password \
                --username="$DB_USER" --dbname="${database:-$DB_NAME}" "$@"
            ;;
    esac
}

# Run a client tool that needs no connection, where the server's tools live.
run_tool() {
    if [[ $PG_MODE == container ]]; then
        docker exec -i "$CONTAINER_NAME" "$@"
    else
        "$@"
    fi
}

# Print one value from a query; fails on any SQL error.
sql_value() {
    run_on "$1" psql -X -A -t -q -v ON_ERROR_STOP=1 -c "$2"
}

# Print the Alembic revision of database $1, or nothing when it has no alembic_version.
schema_revision() {
    local present
    present=$(sql_value "$1" "select to_regclass('alembic_version') is not null") ||
        return 1
    [[ $present == t ]] || return 0
    sql_value "$1" "select string_agg(version_num, ',' order by version_num) from alembic_version"
}

count_tables() {
    sql_value "$1" "select count(*) from pg_tables
        where schemaname not in ('pg_catalog', 'information_schema')"
}

# --- Archives ---------------------------------------------------------------------

# Run pg_restore on a custom-format archive without a database connection.
archive_read() {
    local file=$1
    shift
    if [[ $PG_MODE == container ]]; then
        docker exec -i "$CONTAINER_NAME" pg_restore "$@" <"$file"
    else
        pg_restore "$@" "$file"
    fi
}

# Read a custom-format archive in full: --list reads only the table of contents, so a
# second pass decompresses every data block into /dev/null to catch damaged data.
verify_custom_archive() {
    local file=$1
    archive_read "$file" --list >/dev/null ||
        { log "pg_restore --list could not read the table of contents of $file"; return 1; }
    archive_read "$file" --file=/dev/null ||
        { log "pg_restore could not read every data block of $file"; return 1; }
}

# Count the tables in a custom-format archive's table of contents.
archive_table_count() {
    archive_read "$1" --list | awk '$2 ~ /^[0-9]+$/ && $4 == "TABLE" && $5 != "DATA" { n++ } END { print n + 0 }'
}

# Print the Alembic revision stored in a custom-format archive, if any.
archive_revision() {
    archive_read "$1" --data-only --table=alembic_version --file=- | copy_rows_of alembic_version
}

# Print the data rows of the COPY block for a table from a plain SQL dump on stdin.
copy_rows_of() {
    awk -v table="$1" '
        $1 == "COPY" && ($2 == table || $2 ~ ("\\." table "$")) { inside = 1; next }
        inside && $0 == "\\." { inside = 0 }
        inside { print }
    ' | sort | paste -sd, -
}

# --- Backup sets --------------------------------------------------------------------

write_meta_json() {
    local file=$1 database=$2 size=$3 checksum=$4 duration=$5 revision=$6
    local revision_json=null dump_name
    dump_name=$(basename "$file" .meta.json)
    [[ -z $revision ]] || revision_json=$(json_string "$revision")
    {
        printf '{\n'
        printf '  "file": %s,\n' "$(json_string "$dump_name")"
        printf '  "database": %s,\n' "$(json_string "$database")"
        printf '  "created_at": %s,\n' "$(json_string "$BACKUP_CREATED_AT")"
        printf '  "format": "custom",\n'
        printf '  "size_bytes": %s,\n' "$size"
        printf '  "sha256": %s,\n' "$(json_string "$checksum")"
        printf '  "duration_seconds": %s,\n' "$duration"
        printf '  "pg_dump_version": %s,\n' "$(json_string "$PG_DUMP_VERSION")"
        printf '  "server_version": %s,\n' "$(json_string "$SERVER_VERSION")"
        printf '  "schema_revision": %s,\n' "$revision_json"
        printf '  "source": %s,\n' "$(json_string "$(describe_connection)")"
        printf '  "host": %s\n' "$(json_string "$(hostname)")"
        printf '}\n'
    } >"$file"
}

# Dump the configured database into DIR/NAME.dump, with NAME.dump.sha256 and
# NAME.dump.meta.json beside it. The .dump name appears last, once the archive has been
# read back in full, so a set with a .dump file is always complete.
create_backup_set() {
    local dir=$1 name=$2
    local final="$dir/$name.dump" partial="$dir/.$name.dump.partial"
    local start database revision size checksum duration
    [[ ! -e $final ]] || { log "$final already exists; retry in a second"; return 1; }
    start=$(now_seconds)
    BACKUP_CREATED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)

    database=$(sql_value "" "select current_database()") ||
        { log "cannot connect to the database through $(describe_connection)"; return 1; }
    revision=$(schema_revision "") || return 1
    SERVER_VERSION=$(sql_value "" "show server_version") || return 1
    PG_DUMP_VERSION=$(run_tool pg_dump --version) || return 1

    CLEANUP_FILES+=("$partial" "$final.sha256" "$final.meta.json" "$final")
    log "dumping database $database through $(describe_connection)"
    run_on "" pg_dump --format=custom </dev/null >"$partial" ||
        { log "pg_dump failed for database $database"; return 1; }
    verify_custom_archive "$partial" || return 1

    size=$(wc -c <"$partial" | tr -d ' ')
    checksum=$(file_sha256 "$partial")
    duration=$(elapsed_since "$start")
    printf '%s  %s\n' "$checksum" "$name.dump" >"$final.sha256"
    write_meta_json "$final.meta.json" "$database" "$size" "$checksum" "$duration" "$revision"
    mv -- "$partial" "$final" || { log "could not rename $partial to $final"; return 1; }
    CLEANUP_FILES=()
    log "wrote $final ($size bytes, sha256 $checksum, ${duration}s)"
}
