#!/usr/bin/env bash
# Issue 13's bar through telegram-test-api: questions from eight private chats, a graceful stop
# (SIGTERM), then `python -m bot misses --json` must list the five unanswered questions (the
# repeated one twice) and neither answered one, and no file under DATA_DIR may hold a user id.
#   bash tests/emulator/curator_bar.sh        (needs node and npm; installs the emulator in a temp dir)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
python=${PYTHON:-$repo/.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm install --silent --no-audit --no-fund telegram-test-api@4.2.1 >/dev/null)
cp "$here/curator_bar.js" "$work/"
data="$work/data"
coproc EMULATOR { cd "$work" && node curator_bar.js; }
read -r ready <&"${EMULATOR[0]}"
[ "$ready" = READY ] || { echo "emulator did not start" >&2; exit 1; }
(cd "$repo" && TELEGRAM_BOT_TOKEN="123456789:$(printf 'A%.0s' $(seq 35))" \
  TELEGRAM_API_BASE_URL=http://127.0.0.1:9123/bot DATA_DIR="$data" RATE_LIMIT=off \
  exec "$python" -m bot run 2>"$work/bot.log") &
bot=$!
sleep 3
echo go >&"${EMULATOR[1]}"
while read -r line <&"${EMULATOR[0]}"; do
  [ "$line" = DONE ] && break
  echo "$line"
done
kill -TERM "$bot"
wait "$bot"
echo stop >&"${EMULATOR[1]}"
echo "errors in the bot log: $(grep -c " ERROR " "$work/bot.log" || true)"
misses=$(cd "$repo" && "$python" -m bot misses --json --data-dir "$data")
echo "$misses"
"$python" - "$misses" <<'PY'
import json, sys
groups = {g["question"]: g["count"] for g in json.loads(sys.argv[1])}
assert groups == {
    "how do I bake sourdough bread?": 2,
    "what is the weather in paris tomorrow": 1,
    "who won the world cup in 2018": 1,
    "best pizza in naples": 1,
    "how much does a tesla cost": 1,
}, groups
PY
for id in 918273640 918273641 918273642 918273643 918273644 827364519 736451920 736451921; do
  if grep -rlq -e "$id" -e "reader$id" -e "Reader$id" "$data"; then echo "user id $id found under DATA_DIR" >&2; exit 1; fi
done
echo "ok: five misses, the repeated one twice, no answered question, no user id under DATA_DIR"
