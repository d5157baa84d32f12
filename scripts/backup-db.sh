#!/usr/bin/env bash
# Back up the BaZi Master database as a custom-format pg_dump archive.
#
# Writes BACKUP_DIR/bazi_master_<UTC timestamp>.dump with .sha256 and .meta.json files
# beside it, then deletes sets older than RETENTION_DAYS. See docs/RUNBOOK.md.
#
# Environment (defaults in brackets):
#   BACKUP_DIR        where backup sets go [./backups]
#   RETENTION_DAYS    delete sets older than this many days after a successful
#                     backup; 0 keeps every set [7]
#   BACKUP_LOCK_FILE  lock that stops overlapping runs [BACKUP_DIR/.backup.lock]
#   DATABASE_URL, PG* variables, or CONTAINER_NAME [bazi_postgres], DB_USER
#                     [postgres] and DB_NAME [bazi_master]: see scripts/lib/common.sh
#
# Exit status: 0 backup written, 1 failure (no partial file left), 2 usage error,
# 75 another backup or restore holds the lock.
set -Eeuo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
    sed -n '2,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

# Delete backup sets whose files are older than RETENTION_DAYS. Only names written by
# this script match, so pre-restore dumps and other files stay.
prune_old_sets() {
    local dir=$1 days=$2 file
    ((days > 0)) || return 0
    while IFS= read -r -d '' file; do
        rm -f -- "$file"
        log "retention: deleted $file (older than $days days)"
    done < <(find "$dir" -maxdepth 1 -type f \
        \( -name 'bazi_master_*.dump' -o -name 'bazi_master_*.dump.sha256' \
        -o -name 'bazi_master_*.dump.meta.json' \) \
        -mmin +$((days * 1440)) -print0)
}

# Hold an exclusive lock on fd 9 for the rest of the run, or exit 75.
take_lock() {
    require_command flock "install util-linux"
    exec 9>>"$1"
    flock -n 9 || {
        log "error: another backup or restore holds $1; not starting a second one"
        exit 75
    }
}

main() {
    if [[ $# -gt 0 ]]; then
        [[ $1 == -h || $1 == --help ]] && { usage; exit 0; }
        log "error: unexpected argument '$1'; this script is configured by environment variables"
        exit 2
    fi

    local dir=${BACKUP_DIR:-./backups} days=${RETENTION_DAYS:-7} name
    require_integer RETENTION_DAYS "$days"
    mkdir -p -- "$dir" || die "cannot create BACKUP_DIR $dir"
    take_lock "${BACKUP_LOCK_FILE:-$dir/.backup.lock}"
    select_connection

    name="bazi_master_$(date -u +%Y%m%dT%H%M%SZ)"
    create_backup_set "$dir" "$name" || die "backup failed; no backup was written"
    prune_old_sets "$dir" "$days"
    printf '%s\n' "$dir/$name.dump"
}

trap remove_cleanup_files EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
main "$@"
