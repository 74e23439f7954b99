#!/usr/bin/env bash
# Smoke test of the real app in a real terminal (tmux): portfolio, board, filter, card, quit.
# Not part of pytest. Usage: tests/tmux_smoke.sh   (skips cleanly when tmux is absent)
set -euo pipefail
if ! command -v tmux >/dev/null 2>&1; then
    echo "SKIP: tmux is not installed"
    exit 0
fi
DSLP=${DSLP:-$(command -v dslp || echo "$(dirname "$0")/../.venv/bin/dslp")}
data=$(mktemp -d)
session="dslp-smoke-$$"
cleanup() { tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
DSLP_DATA_DIR="$data" "$DSLP" demo --no-tui >/dev/null

tmux new-session -d -s "$session" -x 120 -y 40 "DSLP_DATA_DIR=$data $DSLP demo"

# Wait (up to 10 s) until the pane shows TEXT.
wait_for() {
    for _ in $(seq 100); do
        if tmux capture-pane -p -t "$session" | grep -qF -- "$1"; then return 0; fi
        sleep 0.1
    done
    echo "FAIL: never saw '$1'"; tmux capture-pane -p -t "$session"; exit 1
}
keys() { tmux send-keys -t "$session" "$@"; }

wait_for "acme/churn-prediction"
wait_for "9 days ago"
keys Enter
wait_for "phase board"
wait_for "Experiment 4"
keys /
keys -l tabnet
wait_for "filter: tabnet"
keys Enter
keys Enter
wait_for "TabNet reaches AUC 0.81"
keys Escape
wait_for "phase board"
keys Escape Escape
wait_for "Sign-offs due"
keys j j Enter
wait_for "acme/fraud-signals · phase board"
keys h Enter   # h from the first column wraps round to the unclassified one
wait_for "#4 [bold red]Markup[/bold red] in a title stays literal"
keys q
for _ in $(seq 50); do
    tmux has-session -t "$session" 2>/dev/null || { echo "OK: tmux smoke passed"; exit 0; }
    sleep 0.1
done
echo "FAIL: q did not quit"; exit 1
