#!/usr/bin/env python3
"""Make a compat fixture against an astral that is already running (no Cargo needed).

    python3 compat/make_fixture.py --base-url http://127.0.0.1:8080 \\
        --database-url sqlite://astral.db --astral target/debug/astral --prefix dbg > fixture.json
    ASTRAL_COMPAT_FIXTURE=fixture.json target/compat/venv/bin/python compat/python/test_discord_py.py
    ASTRAL_COMPAT_FIXTURE=fixture.json node compat/node/test.mjs

Accounts are made as `cargo xtask compat` makes them: the bot with `astral users create --bot`
(against the server's database), two people with POST /auth/register, four guilds created by the
first person with the bot added by them. Use a new --prefix each time (names are unique).
"""

import argparse
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request


def call(base_url, method, path, token=None, body=None):
    for _ in range(5):
        request = urllib.request.Request(f"{base_url}/api/v10{path}", method=method)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", token)
        try:
            with urllib.request.urlopen(request, data, timeout=30) as answer:
                text = answer.read()
                return json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            if e.code != 429:
                sys.exit(f"{method} {path}: {e.code} {e.read().decode()}")
            time.sleep(json.loads(e.read())["retry_after"] + 0.01)
    sys.exit(f"{method} {path}: still rate limited")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--database-url", required=True, help="the running server's ASTRAL_DATABASE_URL")
    parser.add_argument("--astral", default="target/debug/astral")
    parser.add_argument("--prefix", default="dbg")
    parser.add_argument("--backend", default="sqlite")
    args = parser.parse_args()
    base = args.base_url.rstrip("/")

    created = subprocess.run(
        [args.astral, "users", "create", "--bot", "--username", f"{args.prefix}_bot"],
        env={"ASTRAL_DATABASE_URL": args.database_url, "ASTRAL_LOG": "warn"},
        capture_output=True,
        check=True,
    )
    bot = json.loads(created.stdout)
    people = []
    for role in ("user", "other"):
        name = f"{args.prefix}_{role}"
        answer = call(base, "POST", "/auth/register", body={"username": name, "password": "compat suite password"})
        people.append({"id": answer["user_id"], "username": name, "token": answer["token"]})
    user, other = people
    guild_ids = []
    for n in range(1, 5):
        guild = call(base, "POST", "/guilds", user["token"], {"name": f"{args.prefix} guild {n}"})
        call(base, "PUT", f"/guilds/{guild['id']}/members/{bot['id']}", user["token"])
        guild_ids.append(guild["id"])
    guild_ids.sort(key=int)
    fixture = {
        "backend": args.backend,
        "base_url": base,
        "bot": {"id": bot["id"], "username": bot["username"], "token": bot["token"]},
        "user": user,
        "other_user": other,
        "guild_ids": guild_ids[:3],
        "leave_guild_id": guild_ids[3],
    }
    print(json.dumps(fixture, indent=2))


if __name__ == "__main__":
    main()
