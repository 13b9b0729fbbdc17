#!/usr/bin/env bash
# Pictures of the real program in a real terminal, into screenshots/*.png.
#
# The desk runs in tmux against a demo database of its own (an embedded cluster in a temporary
# directory, seeded with `dsrdesk seed`); each screen is captured with its colours
# (`tmux capture-pane -e`), turned into HTML by `aha` and photographed by headless chromium.
#
#   scripts/screenshots.sh            # builds, then pictures at 120x36
#   SHOTS=subject scripts/screenshots.sh   # only the request's subject screens and the reply
#   SHOTS=stats scripts/screenshots.sh     # only the statistics screen (5)
#   SHOTS=holds scripts/screenshots.sh     # only the overview with a legal hold in force
#
# The subject screens (identity panel, erasure plan, rectification) run on the tests' hand-made
# ledger (tests/fixtures/ledger.sql, loaded with psql) and its requests (taken in with `intake`);
# its dates are written for 2026-11-21, so those pictures are truest near that day.
#
# Environment: DSRDESK_BIN (default target/debug/dsrdesk) seeds; DSRDESK_TUI (default the same
# binary, no subcommand) opens the desk; COLS/ROWS the terminal size.
# Needs tmux, aha and chromium; installs them with apt-get when missing and run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

COLS=${COLS:-120}
ROWS=${ROWS:-36}
OUT=screenshots
BIN=${DSRDESK_BIN:-target/debug/dsrdesk}
TUI=${DSRDESK_TUI:-$BIN}

chromium_bin() {
    command -v chromium || command -v chromium-browser || command -v google-chrome || true
}

missing=()
command -v tmux >/dev/null || missing+=(tmux)
command -v aha >/dev/null || missing+=(aha)
[ -n "$(chromium_bin)" ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing ${missing[*]} ..." >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" fonts-dejavu-core >/dev/null
    else
        echo "screenshots.sh needs: ${missing[*]} (apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi
CHROMIUM=$(chromium_bin)

if [ -z "${DSRDESK_BIN:-}" ]; then
    cargo build --quiet
fi

# A demo database of its own; the postgres user must be able to reach it when run as root.
WORK=$(mktemp -d /tmp/dsrdesk-shots.XXXXXX)
chmod 711 "$WORK"
export DSRDESK_DATA_DIR=$WORK/data
export XDG_CONFIG_HOME=$WORK/config
unset DATABASE_URL DSRDESK_KEYS NO_COLOR
SOCKET=dsrdesk-shots-$$
cleanup() {
    tmux -L "$SOCKET" kill-server 2>/dev/null || true
    "$BIN" db stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "seeding a demo database ..." >&2
"$BIN" seed --requests 3000 --seed 7 >/dev/null 2>&1
# Some work of one's own, so "Mine" is not empty.
for _ in 1 2 3 4 5; do "$BIN" assign --next >/dev/null; done

tmux -L "$SOCKET" -f /dev/null new-session -d -s shots -x "$COLS" -y "$ROWS" \
    -e "DSRDESK_DATA_DIR=$DSRDESK_DATA_DIR" -e "XDG_CONFIG_HOME=$XDG_CONFIG_HOME" -e "TERM=xterm-256color" \
    -e "PS1=$ " sh
tmux -L "$SOCKET" set-option -t shots status off >/dev/null

keys() {
    for k in "$@"; do
        tmux -L "$SOCKET" send-keys -t shots "$k"
        sleep 0.15
    done
}
text() { tmux -L "$SOCKET" send-keys -t shots -l "$1"; sleep 0.3; }
wait_for() {
    for _ in $(seq 1 100); do
        if tmux -L "$SOCKET" capture-pane -t shots -p | grep -q -- "$1"; then
            sleep 0.3
            return 0
        fi
        sleep 0.1
    done
    echo "timed out waiting for: $1" >&2
    tmux -L "$SOCKET" capture-pane -t shots -p >&2
    exit 1
}

# aha reads SGR sequences one at a time and loses reverse video when ratatui follows a reset with
# "default colour" codes, and it does not know 256-colour indexes: merge each run of sequences
# into one, spell the 16 colours the classic way, and drop default-colour codes right after a reset
# (which already set the defaults). What the terminal shows is unchanged.
tidy_sgr() {
    sed -E -e ':a' -e 's/\x1b\[([0-9;]*)m\x1b\[([0-9;]*)m/\x1b[\1;\2m/' -e 'ta' \
        -e 's/38;5;([0-7])([;m])/3\1\2/g' -e 's/48;5;([0-7])([;m])/4\1\2/g' \
        -e ':b' -e 's/(\x1b\[0(;[0-9]+)*);(39|49)([;m])/\1\4/' -e 'tb'
}

# shot NAME [light]: the screen as it is now, to $OUT/NAME.png.
shot() {
    local name=$1 theme=${2:-dark}
    local ansi=$WORK/$name.ansi html=$WORK/$name.html
    tmux -L "$SOCKET" capture-pane -t shots -e -p > "$ansi"
    local bg=#1d1f21 fg=#d0d0d0 aha_args=(--black)
    if [ "$theme" = light ]; then bg=#fbfbf8 fg=#1d1f21 aha_args=(); fi
    tidy_sgr < "$ansi" | aha "${aha_args[@]}" --no-header > "$WORK/$name.body"
    {
        echo "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>"
        echo "html,body{margin:0;background:$bg;color:$fg}"
        echo "pre{margin:12px;font-family:'DejaVu Sans Mono',monospace;font-size:14px;line-height:17px}"
        echo "</style></head><body><pre>"
        cat "$WORK/$name.body"
        echo "</pre></body></html>"
    } > "$html"
    local width=$((COLS * 9 + 24)) height=$((ROWS * 17 + 24))
    "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --user-data-dir="$(mktemp -d "$WORK/chromium.XXXXXX")" \
        --screenshot="$PWD/$OUT/$name.png" --window-size="$width,$height" "file://$html" >/dev/null 2>&1
    echo "$OUT/$name.png" >&2
}

mkdir -p "$OUT"
SHOTS=${SHOTS:-all}
text "$TUI"
keys Enter
wait_for "Open requests:"
if [ "$SHOTS" = all ]; then
shot overview
shot overview-light light
keys 2
wait_for "open requests · by due date"
keys j j j
shot queue
keys t o
wait_for "kind access · overdue"
shot queue-filtered
# x clears one filter at a time: overdue, then the kind.
keys x x /
text "lind"
wait_for "matching “lind”"
shot queue-search
keys Enter Enter
wait_for "Request text"
shot detail
# Assign: the operators the database knows, `t` for a name it lacks.
keys a
wait_for "type a name"
shot assign
keys Escape
# The newest request is still in its first month: it can be extended.
keys Escape x S R
wait_for "by date received ↓"
keys Enter e
wait_for "Why is it necessary"
text "the requester's data spans several clients"
keys Enter
wait_for "This cannot be undone"
shot confirm
keys Escape ?
wait_for "Help: keys and commands"
shot help
fi
if [ "$SHOTS" = all ] || [ "$SHOTS" = stats ]; then
keys Escape 5
wait_for "received (r) and answered (a) per month"
shot statistics
fi
keys q
sleep 0.5

# A legal hold in force: the authority's complaint case about an answered request, placed with
# the CLI as the DPO would; the overview names it (soonest due first). After the other overview
# pictures, which show the desk without one.
if [ "$SHOTS" = all ] || [ "$SHOTS" = holds ]; then
HELD=$("$BIN" list --all --status answered --limit 1 --json | grep -o '"reference": *"[^"]*"' | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/')
[ -n "$HELD" ] || { echo "no answered request in the demo data to hold" >&2; exit 1; }
"$BIN" hold add "$HELD" --authority IMY --case "DI-2026-1234" --due 2027-01-15 >/dev/null
text "$TUI"
keys Enter
wait_for "held: "
shot overview-legal-hold
keys q
sleep 0.5
fi

# The request's subject, on the hand-made ledger, in a database of its own in the same cluster
# (the seeded demo database has a seeded ledger of its own).
"$BIN" db status >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -h "$DSRDESK_DATA_DIR/run" -p 5432 -U dsrdesk -d postgres \
    -c "DROP DATABASE IF EXISTS subjects" -c "CREATE DATABASE subjects" >/dev/null
SUBJECTS_URL="postgres://dsrdesk@$(printf %s "$DSRDESK_DATA_DIR/run" | sed 's#/#%2F#g'):5432/subjects"
DATABASE_URL=$SUBJECTS_URL "$BIN" db migrate >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -h "$DSRDESK_DATA_DIR/run" -p 5432 -U dsrdesk -d subjects \
    -f tests/fixtures/ledger.sql >/dev/null
mapfile -t FIXTURE < <(DATABASE_URL=$SUBJECTS_URL "$BIN" intake tests/fixtures/ledger_requests.jsonl)
ERASURE=${FIXTURE[0]}   # fx-erasure-anna
RECTIFY=${FIXTURE[6]}   # fx-rectify-anna
open_ref() {
    keys :
    text "ref $1"
    keys Enter
    wait_for "Request text"
}
text "DATABASE_URL=$SUBJECTS_URL $TUI"
keys Enter
wait_for "Open requests:"
open_ref "$ERASURE"
keys i
wait_for "Ledger persons who may be the requester"
keys L
wait_for "to ledger person 1?"
keys y
wait_for "✓ linked"
keys v Enter
text "bankid-tx-1"
keys Enter
text "19811218-9876"
keys Enter
text "BankID signature in the portal"
keys Enter
wait_for "as verified?"
keys y
wait_for "✓ verified"
shot identity
keys E
wait_for "The plan: every row"
shot erasure-plan
keys x
wait_for "Carry out the erasure plan"
keys y
wait_for "Carried out"
shot erasure-executed
# The reply: the template menu, the editor, the preview, queued.
keys w
wait_for "Choose the letter to write"
keys j j j j
shot reply-templates
keys Enter
wait_for "Reply text"
shot reply-editor
keys Escape
wait_for "Preview: exactly what is sent"
shot reply-preview
keys s
wait_for "Send this"
keys y
wait_for "queued"
# The outbox: the reply just queued, with what to do in each state.
keys M
wait_for "Outbox"
shot outbox
keys Escape
open_ref "$RECTIFY"
keys i L
wait_for "to ledger person 1?"
keys y v j j j Enter
text "Reply to our letter to Storgatan 1"
keys Enter
wait_for "as verified?"
keys y R
wait_for "Fields you may correct"
keys j j Enter
text "Storgatan 3"
keys Enter
wait_for "requested"
# A new address in one step: keep the street (a), then the postal code, one confirmation.
keys a j Enter
text "111 22"
keys Enter
wait_for "Rectify 2 fields"
shot rectify
keys y
wait_for "Corrections made"
shot rectified
# A letter that came by post, typed into the new-request form.
keys N
wait_for "New request"
shot new-request
keys Escape Escape
keys q
sleep 0.5

# Mail waiting in the inbox: three messages delivered to a Maildir and taken in by `mail fetch`,
# as the worker does; the desk's inbox lists them oldest first with the due date each would have.
MAILDIR=$WORK/Maildir
mkdir -p "$MAILDIR/new" "$MAILDIR/cur" "$MAILDIR/tmp"
deliver() {
    printf '%b' "$2" > "$MAILDIR/new/$1"
    touch -d "$3" "$MAILDIR/new/$1"
}
deliver "1001.M1.shots" 'From: =?utf-8?q?=C3=85sa_=C3=96berg?= <asa.oberg@example.se>\r\nTo: dataskydd@exempelinkasso.example\r\nSubject: =?utf-8?q?Beg=C3=A4ran_om_registerutdrag?=\r\nMessage-ID: <asa-1@example.se>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHej,\r\njag vill ha ett registerutdrag och att ni raderar mina uppgifter.\r\nMvh \xc3\x85sa\r\n' "4 days ago"
deliver "1002.M2.shots" 'From: Matti Meikalainen <matti@example.fi>\r\nSubject: Tietopyynto\r\nMessage-ID: <matti-1@example.fi>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHei, haluan tietoni.\r\n' "2 days ago"
deliver "1003.M3.shots" 'From: Per Lind <per.lind@example.se>\r\nSubject: Radera mina uppgifter\r\nMessage-ID: <per-1@example.se>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nJag vill att ni raderar allt om mig.\r\n' "3 hours ago"
cat > "$WORK/mail.toml" <<TOML
[[mailboxes]]
name = "se-dataskydd"
controller = "SE"
maildir = "$MAILDIR"
TOML
DSRDESK_CONFIG=$WORK/mail.toml DATABASE_URL=$SUBJECTS_URL "$BIN" mail fetch --once >/dev/null
text "DATABASE_URL=$SUBJECTS_URL $TUI"
keys Enter
wait_for "Open requests:"
keys 4
wait_for "clocks run from arrival"
shot inbox
keys q
sleep 0.5
echo "done: $(ls "$OUT"/*.png | wc -l) pictures in $OUT/" >&2
