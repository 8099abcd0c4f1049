#!/usr/bin/env bash
# Regenerates docs/alerts_risk_block.png and docs/kill_engaged.png from the README's start command, driven
# as a trader would under Xvfb: a VWAP buy of MSFT, an AAPL buy limited 6% under the market (the ticket's
# collar lets it in after confirmation; pre-trade risk blocks its first child, 5% band, and pauses it), then
# KILL ALL. Needs: apt-get install -y xvfb xdotool imagemagick. Run from the repository:
#   bash docs/make_state_screenshots.sh
# Positions are the default layout's at 1440x860 (no window manager: the window sits at 0,0).
set -euo pipefail
cd "$(dirname "$0")/.."
EMS=${EMS:-.venv/bin/ems}
scratch=$(mktemp -d)
export DISPLAY=:${SHOT_DISPLAY:-77}
Xvfb "$DISPLAY" -screen 0 1440x860x24 >/dev/null 2>&1 &
xvfb=$!
for _ in $(seq 50); do [ -S "/tmp/.X11-unix/X${DISPLAY#:}" ] && break; sleep 0.1; done
XDG_CONFIG_HOME="$scratch/config" $EMS --db "$scratch/journal.db" --speed 10 --no-close-prompt >"$scratch/ems.log" 2>&1 &
ems=$!
trap 'kill $ems $xvfb 2>/dev/null || true; rm -rf "$scratch"' EXIT
sleep 5
kill -0 $ems 2>/dev/null || { cat "$scratch/ems.log" >&2; exit 1; }
field() { xdotool mousemove "$1" "$2" click 1; sleep 0.2; xdotool key ctrl+a; xdotool type --delay 30 "$3"; sleep 0.2; }
submit() { xdotool mousemove 137 772 click 1; sleep 1; xdotool key alt+y; sleep 1; }  # Submit, then Yes to confirm
field 170 108 MSFT; field 170 163 20000; submit
field 170 108 AAPL; field 170 163 1000; field 170 190 178.00; submit
blocked() {  # the journal says pre-trade risk blocked a child
  .venv/bin/python -c "import sqlite3, sys; c = sqlite3.connect('file:$scratch/journal.db?mode=ro', uri=True)
sys.exit(0 if c.execute(\"SELECT 1 FROM journal WHERE type = 'RiskBlocked'\").fetchone() else 1)" 2>/dev/null
}
for _ in $(seq 60); do blocked && break; sleep 1; done
sleep 1
xdotool mousemove 330 152 click 1; sleep 0.3; xdotool key End; sleep 1.5  # the blocked parent, Status in view
import -window root docs/alerts_risk_block.png
sleep 15
xdotool mousemove 1380 17 click 1; sleep 1; xdotool key alt+y; sleep 3  # KILL ALL, confirmed
xdotool mousemove 330 130 click 1; sleep 0.3; xdotool key End; sleep 1.5
import -window root docs/kill_engaged.png
echo "docs/alerts_risk_block.png docs/kill_engaged.png"
