#!/bin/sh
# Acceptance of issue #14 on the outside test's reproducers: every file in ../shared/repro (or $1) must end
# in one `vlsm-audit:` line (or a correct decode) within 10 s and 2 GB peak RSS. Prints a Markdown table
# (file, exit code, wall and CPU seconds, peak RSS of the CLI or its decode worker, the message) for
# docs/reliability.md.
# Needs the built CLI (npm run build:cli) and GNU time (/usr/bin/time).
set -u
dir=${1:-../shared/repro}
model=${MODEL:-resources/models/film-unet}
echo '| file | exit | wall s | CPU s | peak RSS MB | stderr (first line) |'
echo '|---|---|---|---|---|---|'
for f in "$dir"/*.dcm "$dir"/*.png; do
  [ -e "$f" ] || continue
  err=$(mktemp)
  /usr/bin/time -f '%e %M %U %S' -o "$err.time" node bin/vlsm-audit.js segment --model "$model" --prompt polyp --json --threads 1 --image "$f" >/dev/null 2>"$err"
  code=$?
  read -r secs kb user sys <<EOT
$(tail -n 1 "$err.time")
EOT
  lines=$(wc -l <"$err")
  first=$(head -n 1 "$err" | cut -c1-160 | sed 's/|/\\|/g')
  echo "| $(basename "$f") | $code | $secs | $(echo "$user + $sys" | bc) | $((kb / 1024)) | $first$( [ "$lines" -gt 1 ] && echo " (+$((lines - 1)) lines)") |"
  rm -f "$err" "$err.time"
done
