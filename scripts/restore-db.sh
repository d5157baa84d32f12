#!/usr/bin/env bash
# Restore the BaZi Master database from a backup, replacing the live database.
#
# Usage: restore-db.sh FILE [--yes] [--dry-run]
#   FILE       a .dump written by backup-db.sh (its .sha256 must sit beside it), or a
#              gzipped plain SQL dump (.sql.gz) from the runbook's manual pg_dump command
#   --yes      do not ask for the database name to be typed (needed without a terminal)
#   --dry-run  verify FILE, print the plan and stop before changing anything
#
# Steps: verify the checksum and read the whole archive, then ask for confirmation and
# write a safety dump of the live database. Restore into a fresh database and check its
# tables and Alembic revision. Swap it in by renaming databases, then drop the old one.
#
# Environment (defaults in brackets): BACKUP_DIR [./backups] receives the safety dump;
# MAINTENANCE_DB [postgres] is the database connected to for CREATE, ALTER and DROP
# DATABASE; MIN_EXPECTED_TABLES [1]; SKIP_CONFIRMATION=true acts like --yes; the
# connection variables are those of backup-db.sh.
#
# Exit status: 0 restored (or dry run passed), 1 failure, 2 usage error, 75 a backup or
# restore holds the lock.
set -Eeuo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
    sed -n '2,20s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

usage_error() {
    log "error: $1"
    log "usage: $PROGRAM FILE [--yes] [--dry-run]; see --help"
    exit 2
}

parse_args() {
    FILE="" ASSUME_YES=false DRY_RUN=false
    [[ ${SKIP_CONFIRMATION:-false} == true ]] && ASSUME_YES=true
    while [[ $# -gt 0 ]]; do
        case $1 in
            -h | --help) usage; exit 0 ;;
            --yes | -y) ASSUME_YES=true ;;
            --dry-run) DRY_RUN=true ;;
            -*) usage_error "unknown option '$1'" ;;
            *) [[ -z $FILE ]] || usage_error "more than one file given: '$FILE' and '$1'"
               FILE=$1 ;;
        esac
        shift
    done
    [[ -n $FILE ]] || usage_error "missing the backup file to restore"
}

# --- Checks on the file, before any connection ------------------------------------

verify_checksum() {
    local sums="$FILE.sha256" expected actual
    if [[ ! -f $sums ]]; then
        [[ $FILE_KIND == custom ]] || { log "no $sums; skipping the checksum"; return 0; }
        die "checksum file $sums not found; a .dump needs one (create it with: sha256sum $FILE > $sums)"
    fi
    expected=$(awk 'NR == 1 { print $1 }' "$sums")
    actual=$(file_sha256 "$FILE")
    [[ $expected == "$actual" ]] ||
        die "checksum mismatch for $FILE: $sums expects $expected, the file has $actual; the file is damaged or not the one that was backed up"
    log "checksum ok ($actual)"
}

# Check a gzipped plain dump: the gzip stream is whole, it is not a custom-format
# archive under a .sql.gz name, and it never switches to another database. grep -c reads
# the whole stream, because an early exit (grep -q) would fail gzip with SIGPIPE.
verify_plain_dump() {
    local switches
    gzip -t -- "$FILE" 2>/dev/null || die "$FILE is not a complete gzip file (gzip -t failed)"
    [[ $(gzip -dc -- "$FILE" | head -c 5) != PGDMP ]] ||
        die "$FILE contains a custom-format archive that was gzipped again; run: gunzip -c $FILE > ${FILE%.sql.gz}.dump && sha256sum ${FILE%.sql.gz}.dump > ${FILE%.sql.gz}.dump.sha256, then restore the .dump"
    switches=$(gzip -dc -- "$FILE" | grep -cE '^(\\connect|\\c |CREATE DATABASE)' || true)
    ((switches == 0)) ||
        die "$FILE connects to or creates a database itself (made with pg_dump --create?); dump without --create"
    ARCHIVE_TABLES=$(gzip -dc -- "$FILE" | grep -cE '^CREATE (UNLOGGED )?TABLE ' || true)
    ARCHIVE_REVISION=$(gzip -dc -- "$FILE" | copy_rows_of alembic_version)
}

verify_file() {
    [[ -e $FILE ]] || die "backup file $FILE not found"
    [[ -f $FILE && -r $FILE ]] || die "backup file $FILE is not a readable file"
    case $FILE in
        *.dump) FILE_KIND=custom ;;
        *.sql.gz) FILE_KIND=plain ;;
        *) die "unsupported backup file $FILE: expected a .dump from backup-db.sh or a .sql.gz plain dump" ;;
    esac
    verify_checksum
    if [[ $FILE_KIND == custom ]]; then
        verify_custom_archive "$FILE" || die "$FILE is not a readable pg_dump archive"
        ARCHIVE_TABLES=$(archive_table_count "$FILE")
        ARCHIVE_REVISION=$(archive_revision "$FILE")
    else
        verify_plain_dump
    fi
    ((ARCHIVE_TABLES >= MIN_TABLES)) ||
        die "$FILE contains $ARCHIVE_TABLES tables, fewer than MIN_EXPECTED_TABLES=$MIN_TABLES"
    log "archive ok: $ARCHIVE_TABLES tables, Alembic revision ${ARCHIVE_REVISION:-none}"
}

# --- The live database ----------------------------------------------------------

inspect_target() {
    TARGET_DB=$(sql_value "" "select current_database()") ||
        die "cannot connect to the database to restore through $(describe_connection); it must exist (create it empty if needed)"
    [[ $TARGET_DB != "$MAINTENANCE_DB" ]] ||
        die "the database to restore is the maintenance database $MAINTENANCE_DB; set MAINTENANCE_DB to another database"
    sql_value "$MAINTENANCE_DB" "select 1" >/dev/null ||
        die "cannot connect to the maintenance database $MAINTENANCE_DB; set MAINTENANCE_DB"
    TARGET_REVISION=$(schema_revision "")
    TARGET_TABLES=$(count_tables "")
    # The process id keeps names apart when two restores start in the same second.
    local stamp
    stamp="$(date -u +%Y%m%d_%H%M%S)_$$"
    FRESH_DB="${TARGET_DB:0:30}_restore_$stamp"
    OLD_DB="${TARGET_DB:0:30}_old_$stamp"
    SAFETY_NAME="pre-restore_${TARGET_DB}_$stamp"
}

print_plan() {
    cat <<EOF
Restore plan
  backup file:        $FILE ($FILE_KIND, $ARCHIVE_TABLES tables, revision ${ARCHIVE_REVISION:-none})
  database:           $TARGET_DB through $(describe_connection) ($TARGET_TABLES tables, revision ${TARGET_REVISION:-none})
  1. safety dump:     $BACKUP_DIR/$SAFETY_NAME.dump
  2. restore into:    $FRESH_DB
  3. swap:            $TARGET_DB -> $OLD_DB, $FRESH_DB -> $TARGET_DB (connections to $TARGET_DB are terminated)
  4. after checks:    drop $OLD_DB
EOF
}

confirm() {
    [[ $ASSUME_YES == false ]] || return 0
    [[ -t 0 ]] || die "no terminal to confirm the restore on; rerun with --yes"
    local answer
    read -r -p "This replaces every row of database $TARGET_DB. Type its name to go on: " answer
    [[ $answer == "$TARGET_DB" ]] || die "typed '$answer', not '$TARGET_DB'; nothing was changed"
}

# Run SQL from stdin on the maintenance database, with psql variables for the names
# (:"name" quotes an identifier, :'name' a literal).
admin_sql() {
    run_on "$MAINTENANCE_DB" psql -X -q -v ON_ERROR_STOP=1 \
        -v target="$TARGET_DB" -v fresh="$FRESH_DB" -v old="$OLD_DB"
}

create_fresh_database() {
    admin_sql <<'SQL'
SELECT pg_encoding_to_char(encoding) AS encoding, datcollate, datctype,
       pg_get_userbyid(datdba) AS owner
FROM pg_database WHERE datname = :'target' \gset
CREATE DATABASE :"fresh" TEMPLATE template0 ENCODING :'encoding'
    LC_COLLATE :'datcollate' LC_CTYPE :'datctype' OWNER :"owner";
SQL
}

drop_database() {
    run_on "$MAINTENANCE_DB" psql -X -q -v ON_ERROR_STOP=1 -v name="$1" \
        <<<'DROP DATABASE IF EXISTS :"name" WITH (FORCE);'
}

restore_into_fresh() {
    if [[ $FILE_KIND == custom ]]; then
        if [[ $PG_MODE == container ]]; then
            run_on "$FRESH_DB" pg_restore --exit-on-error --no-owner --no-privileges <"$FILE"
        else
            run_on "$FRESH_DB" pg_restore --exit-on-error --no-owner --no-privileges "$FILE"
        fi
    else
        gzip -dc -- "$FILE" | run_on "$FRESH_DB" psql -X -q -v ON_ERROR_STOP=1 >/dev/null
    fi
}

# Check that database $1 matches the archive: the same number of tables and the same
# Alembic revision.
check_restored() {
    local tables revision
    tables=$(count_tables "$1") || return 1
    revision=$(schema_revision "$1") || return 1
    [[ $tables == "$ARCHIVE_TABLES" ]] ||
        { log "database $1 has $tables tables, the archive $ARCHIVE_TABLES"; return 1; }
    [[ $revision == "$ARCHIVE_REVISION" ]] ||
        { log "database $1 is at revision '${revision}', the archive at '${ARCHIVE_REVISION}'"; return 1; }
}

# Rename the live database away and the fresh one into its place in one transaction.
# Sessions on the live database are terminated; an application that reconnects at once
# makes the rename fail, so it is retried for about five seconds.
swap_databases() {
    admin_sql <<'SQL'
SELECT set_config('restore.target', :'target', false),
       set_config('restore.fresh', :'fresh', false),
       set_config('restore.old', :'old', false) \g /dev/null
DO $swap$
DECLARE
    target text := current_setting('restore.target');
BEGIN
    FOR attempt IN 1..50 LOOP
        BEGIN
            PERFORM pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = target AND pid <> pg_backend_pid();
            EXECUTE format('ALTER DATABASE %I RENAME TO %I',
                target, current_setting('restore.old'));
            EXECUTE format('ALTER DATABASE %I RENAME TO %I',
                current_setting('restore.fresh'), target);
            RETURN;
        EXCEPTION WHEN object_in_use THEN
            PERFORM pg_sleep(0.1);
        END;
    END LOOP;
    RAISE EXCEPTION 'database % is still in use after 50 attempts', target;
END
$swap$;
SQL
}

print_rollback() {
    log "ROLL BACK: the database before the restore is kept as $OLD_DB. To put it back, run on $MAINTENANCE_DB:"
    log "  ALTER DATABASE \"$TARGET_DB\" RENAME TO \"${TARGET_DB:0:30}_failed\"; ALTER DATABASE \"$OLD_DB\" RENAME TO \"$TARGET_DB\";"
    log "or restore the safety dump: $0 $SAFETY_FILE --yes"
}

# --- Main -----------------------------------------------------------------------

# Undo what a failed run left: the fresh database before the swap.
on_exit() {
    local status=$?
    remove_cleanup_files
    if [[ $status -ne 0 && ${STATE:-} == restoring ]]; then
        drop_database "$FRESH_DB" || log "could not drop $FRESH_DB; drop it by hand"
        log "the live database $TARGET_DB was not changed; safety dump: $SAFETY_FILE"
    fi
}

main() {
    parse_args "$@"
    BACKUP_DIR=${BACKUP_DIR:-./backups}
    MAINTENANCE_DB=${MAINTENANCE_DB:-postgres}
    MIN_TABLES=${MIN_EXPECTED_TABLES:-1}
    require_integer MIN_EXPECTED_TABLES "$MIN_TABLES"
    select_connection
    verify_file
    inspect_target
    print_plan
    [[ $DRY_RUN == false ]] || { log "dry run: nothing was changed"; exit 0; }
    confirm

    mkdir -p -- "$BACKUP_DIR" || die "cannot create BACKUP_DIR $BACKUP_DIR"
    exec 9>>"${BACKUP_LOCK_FILE:-$BACKUP_DIR/.backup.lock}"
    flock -n 9 || { log "error: a backup or restore is running; try again later"; exit 75; }
    create_backup_set "$BACKUP_DIR" "$SAFETY_NAME" || die "the safety dump failed; nothing was changed"
    SAFETY_FILE="$BACKUP_DIR/$SAFETY_NAME.dump"

    STATE=restoring
    create_fresh_database || die "could not create database $FRESH_DB"
    log "restoring $FILE into $FRESH_DB"
    restore_into_fresh || die "the restore into $FRESH_DB failed"
    check_restored "$FRESH_DB" || die "the restored database $FRESH_DB does not match the archive"
    swap_databases || die "could not swap $FRESH_DB in for $TARGET_DB"
    STATE=swapped

    check_restored "$TARGET_DB" || { print_rollback; exit 1; }
    drop_database "$OLD_DB" || log "could not drop $OLD_DB; drop it by hand"
    log "restored $TARGET_DB from $FILE ($ARCHIVE_TABLES tables, revision ${ARCHIVE_REVISION:-none})"
    log "to undo this restore: $0 $SAFETY_FILE --yes"
}

trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
main "$@"
