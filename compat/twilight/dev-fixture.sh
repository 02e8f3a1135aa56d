#!/usr/bin/env bash
# Development only: writes an ASTRAL_COMPAT_FIXTURE file for a server you started yourself,
# the way `cargo xtask compat` does (bot through the CLI, people through /auth/register,
# guilds owned by the user with the bot added). The real harness is xtask/src/compat.rs.
#
#   ASTRAL_DATABASE_URL=… ASTRAL_MEDIA_DIR=… compat/twilight/dev-fixture.sh http://127.0.0.1:19500 > fixture.json
#
# Needs the same ASTRAL_DATABASE_URL as the server (the CLI writes the bot into it), curl and
# python3. Every run makes fresh accounts (names carry a random suffix).
set -euo pipefail
base=${1:?usage: dev-fixture.sh BASE_URL}
api="$base/api/v10"
here=$(cd "$(dirname "$0")/../.." && pwd)
astral=${ASTRAL_BIN:-$here/target/debug/astral}
suffix=$(python3 -c 'import secrets; print(secrets.token_hex(3))')
backend=sqlite
case "${ASTRAL_DATABASE_URL:-}" in postgres*) backend=postgres ;; esac

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
call() { # method path token [body]
  curl -sf -X "$1" "$api$2" -H "Authorization: $3" -H 'Content-Type: application/json' \
    ${4:+-d "$4"}
}
register() {
  curl -sf -X POST "$api/auth/register" -H 'Content-Type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"twilight compat password\"}"
}

bot=$("$astral" users create --bot --username "twilight_bot_$suffix")
bot_id=$(echo "$bot" | json "['id']")
user=$(register "twilight_user_$suffix")
other=$(register "twilight_other_$suffix")
user_token=$(echo "$user" | json "['token']")

guilds=()
for i in 1 2 3 4; do
  gid=$(call POST /guilds "$user_token" "{\"name\": \"twilight guild $i\"}" | json "['id']")
  call PUT "/guilds/$gid/members/$bot_id" "$user_token" >/dev/null
  guilds+=("$gid")
done

python3 - "$backend" "$base" "$bot" "$user" "$other" "twilight_user_$suffix" \
  "twilight_other_$suffix" "${guilds[@]}" <<'PY'
import json, sys
backend, base, bot, user, other, user_name, other_name, *guilds = sys.argv[1:]
bot, user, other = json.loads(bot), json.loads(user), json.loads(other)
person = lambda p, name: {"id": p["user_id"], "username": name, "token": p["token"]}
print(json.dumps({
    "backend": backend,
    "base_url": base,
    "bot": bot,
    "user": person(user, user_name),
    "other_user": person(other, other_name),
    "guild_ids": guilds[:3],
    "leave_guild_id": guilds[3],
}, indent=2))
PY
