#!/usr/bin/env bash
# Install, replace or remove the crontab entry that runs backup-db.sh.
#
# Usage: install-cron.sh [--schedule EXPR] [--uninstall] [--dry-run]
#   --schedule EXPR  five cron fields [BACKUP_CRON_SCHEDULE, else "30 2 * * *"]
#   --uninstall      remove the entry
#   --dry-run        print the crontab that would be installed and change nothing;
#                    without a crontab command it prints the backup entry alone
#
# The entry sits between two marker comments, so running the script again replaces it
# instead of adding a second one, and other crontab lines are kept as they are.
#
# Environment (defaults in brackets): BACKUP_DIR [REPO/backups], RETENTION_DAYS [7],
# BACKUP_LOG [BACKUP_DIR/backup.log] are written into the entry; CRONTAB_CMD [crontab]
# is the program called as `CRONTAB_CMD -l` and `CRONTAB_CMD -`.
#
# Exit status: 0 done, 1 failure, 2 usage error or invalid schedule.
set -Eeuo pipefail

PROGRAM=$(basename "$0")
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BEGIN_MARKER="# BEGIN bazi-master backup (managed by scripts/install-cron.sh)"
END_MARKER="# END bazi-master backup"

usage() {
    sed -n '2,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

fail() {
    printf '%s: error: %s\n' "$PROGRAM" "$2" >&2
    exit "$1"
}

# Check one cron field item such as "*", "*/15", "5", "1-5", "1-5/2", "MON" or "JAN".
valid_item() {
    local item=$1 low=$2 high=$3 names=$4 range step value
    range=${item%%/*}
    if [[ $item == */* ]]; then
        step=${item#*/}
        [[ $step =~ ^[0-9]+$ ]] || return 1
        ((10#$step >= 1)) || return 1
    fi
    [[ $range == "*" ]] && return 0
    for value in ${range/-/ }; do
        if [[ $value =~ ^[0-9]+$ ]]; then
            ((10#$value >= low && 10#$value <= high)) || return 1
        else
            [[ -n $names && " $names " == *" ${value^^} "* ]] || return 1
        fi
    done
    [[ $range =~ ^[^-]+(-[^-]+)?$ ]]
}

valid_field() {
    local field=$1 item
    [[ -n $field && $field != *,,* && $field != ,* && $field != *, ]] || return 1
    for item in ${field//,/ }; do
        valid_item "$item" "$2" "$3" "${4:-}" || return 1
    done
}

# Reject anything but five fields in their ranges; "@daily" and similar are not
# accepted, so every entry reads the same way.
validate_schedule() {
    local schedule=$1
    local -a fields
    read -r -a fields <<<"$schedule"
    [[ ${#fields[@]} -eq 5 ]] ||
        fail 2 "invalid schedule '$schedule': expected 5 fields (minute hour day month weekday), got ${#fields[@]}"
    set -f
    valid_field "${fields[0]}" 0 59 || fail 2 "invalid minute '${fields[0]}' in '$schedule': expected 0-59"
    valid_field "${fields[1]}" 0 23 || fail 2 "invalid hour '${fields[1]}' in '$schedule': expected 0-23"
    valid_field "${fields[2]}" 1 31 || fail 2 "invalid day of month '${fields[2]}' in '$schedule': expected 1-31"
    valid_field "${fields[3]}" 1 12 "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC" ||
        fail 2 "invalid month '${fields[3]}' in '$schedule': expected 1-12 or JAN-DEC"
    valid_field "${fields[4]}" 0 7 "SUN MON TUE WED THU FRI SAT" ||
        fail 2 "invalid weekday '${fields[4]}' in '$schedule': expected 0-7 or SUN-SAT"
    set +f
}

# Quote a value for the shell that cron starts.
shell_quote() {
    printf "'%s'" "${1//\'/\'\\\'\'}"
}

cron_entry() {
    local dir=${BACKUP_DIR:-$REPO/backups}
    [[ $dir == /* ]] || dir="$PWD/$dir"
    local log_file=${BACKUP_LOG:-$dir/backup.log}
    printf '%s\n' "$BEGIN_MARKER"
    printf '%s BACKUP_DIR=%s RETENTION_DAYS=%s %s >> %s 2>&1\n' "$SCHEDULE" \
        "$(shell_quote "$dir")" "$(shell_quote "${RETENTION_DAYS:-7}")" \
        "$(shell_quote "$REPO/scripts/backup-db.sh")" "$(shell_quote "$log_file")"
    printf '%s\n' "$END_MARKER"
}

# Print the current crontab; a user without one gets an empty text.
current_crontab() {
    local output
    if output=$("$CRONTAB" -l 2>&1); then
        printf '%s\n' "$output"
    elif [[ $output == *"no crontab for"* ]]; then
        return 0
    else
        fail 1 "$CRONTAB -l failed: $output"
    fi
}

without_block() {
    awk -v begin="$BEGIN_MARKER" -v end="$END_MARKER" '
        $0 == begin { skip = 1; next }
        $0 == end { skip = 0; next }
        !skip { print }
    ' | cat -s
}

parse_args() {
    SCHEDULE=${BACKUP_CRON_SCHEDULE:-30 2 * * *} UNINSTALL=false DRY_RUN=false
    while [[ $# -gt 0 ]]; do
        case $1 in
            -h | --help) usage; exit 0 ;;
            --schedule)
                [[ $# -ge 2 ]] || fail 2 "--schedule needs a value such as '30 2 * * *'"
                SCHEDULE=$2
                shift
                ;;
            --uninstall) UNINSTALL=true ;;
            --dry-run) DRY_RUN=true ;;
            *) fail 2 "unknown argument '$1'; see --help" ;;
        esac
        shift
    done
}

main() {
    parse_args "$@"
    validate_schedule "$SCHEDULE"
    [[ ${RETENTION_DAYS:-7} =~ ^[0-9]+$ ]] ||
        fail 2 "invalid RETENTION_DAYS '${RETENTION_DAYS}': expected a whole number of days"
    CRONTAB=${CRONTAB_CMD:-crontab}

    # A dry run on a machine without cron still shows the entry it would install.
    local old="" new
    if command -v "$CRONTAB" >/dev/null 2>&1; then
        old=$(current_crontab)
    elif [[ $DRY_RUN == true ]]; then
        printf '%s: %s not found, so the output leaves out the current crontab\n' \
            "$PROGRAM" "$CRONTAB" >&2
    else
        fail 1 "$CRONTAB not found; install cron (Debian: apt-get install cron) or set CRONTAB_CMD"
    fi
    new=$(printf '%s\n' "$old" | without_block | sed -e '/./,$!d')
    [[ $UNINSTALL == true ]] || new=$(printf '%s\n%s\n' "$new" "$(cron_entry)" | sed -e '/./,$!d')

    if [[ $DRY_RUN == true ]]; then
        printf '%s\n' "$new"
        return 0
    fi
    printf '%s\n' "$new" | "$CRONTAB" - || fail 1 "$CRONTAB - could not write the crontab"
    if [[ $UNINSTALL == true ]]; then
        printf '%s: removed the backup entry\n' "$PROGRAM" >&2
    else
        printf '%s: installed: %s\n' "$PROGRAM" "$(cron_entry | sed -n 2p)" >&2
    fi
}

main "$@"
