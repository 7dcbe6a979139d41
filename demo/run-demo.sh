#!/usr/bin/env bash
# The demo program: a walker screened on 2 Nov 2026 who walked her first week, measured with
# the bundled lower-back recording and logged by hand. Uses its own database in demo-output/.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
OUT=demo-output
mkdir -p "$OUT"
rm -f "$OUT/demo.sqlite3"
export BACKSTRIDE_DATABASE_URL="sqlite:///$PWD/$OUT/demo.sqlite3"

echo "== a demo person, screened on Monday 2 November 2026"
export BACKSTRIDE_TODAY=2026-11-02
$BIN/backstride init --name demo --height-m 1.59 --time-zone Europe/Berlin
$BIN/backstride screen --answers demo/screening-answers.json

echo; echo "== week 1: walks logged by hand, pain, core exercises, and a measured recording"
export BACKSTRIDE_TODAY=2026-11-08
for day in 2026-11-02 2026-11-04 2026-11-06; do
    $BIN/backstride log walk --minutes 14 --date "$day" --pain-before 3 --pain-after 3
    $BIN/backstride log pain 3 --date "$day"
done
$BIN/backstride log core glute_bridge --sets 2 --reps 8 --date 2026-11-03
$BIN/backstride log core plank --sets 3 --seconds 10 --date 2026-11-06
# a lower-back recording: its own clock (from the reference file beside it) dates it 2020;
# --start moves it to when the demo walker wore it
$BIN/backstride import data/mobilised-lab/HA-001/Test11-Trial1.imu.csv \
    --sample-rate-hz 100 --start 2026-11-05T10:00

echo; echo "== the weekly review (safety questions answered from a file)"
export BACKSTRIDE_TODAY=2026-11-09
$BIN/backstride review --answers demo/weekly-safety-answers.json

echo; echo "== next week's plan"
$BIN/backstride plan
$BIN/backstride progress --out "$OUT/progress.html"
$BIN/backstride calendar --out "$OUT/plan.ics"
