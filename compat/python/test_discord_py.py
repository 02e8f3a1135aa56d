#!/usr/bin/env python3
"""discord.py against Astral: the library's own HTTP client, models, errors and rate limiting.

Run by `cargo xtask compat`, or by hand against a running server:

    ASTRAL_COMPAT_FIXTURE=fixture.json target/compat/venv/bin/python compat/python/test_discord_py.py

(the fixture format is in docs/discord-libraries.md). Prints one line per check, `ok - …` or
`not ok - …`, then `discord.py: N passed, N failed`; exits non-zero on any failure.

The only change discord.py needs is where it sends requests: `Route.BASE` (the API) and
`Asset.BASE` (the CDN it builds avatar URLs on). Everything else is the library as shipped.
"""

import asyncio
import json
import logging
import os
import struct
import sys
import time
import zlib

import aiohttp
import discord
from discord.http import HTTPClient, Route
from discord.state import ConnectionState

FIXTURE = json.load(open(os.environ["ASTRAL_COMPAT_FIXTURE"]))
BASE_URL = FIXTURE["base_url"]
BOT, USER, OTHER = FIXTURE["bot"], FIXTURE["user"], FIXTURE["other_user"]
GUILD_IDS = [int(g) for g in FIXTURE["guild_ids"]]
LEAVE_GUILD_ID = int(FIXTURE["leave_guild_id"])

# The one change a discord.py bot makes to talk to Astral.
Route.BASE = f"{BASE_URL}/api/v10"
discord.Asset.BASE = BASE_URL

# The herd check: this many requests at once on one token, and the 429s they may meet at most.
# Astral's global bucket admits 10, and a refusal's retry_after is the time until the bucket is
# full again, so the 14 left over wake together and at most 10 of them fit: 14 + 4 refusals.
HERD = 24
HERD_MAX_429 = 18

results = []


def check(name, ok, detail=""):
    results.append(ok)
    line = f"{'ok' if ok else 'not ok'} - {name}"
    if detail:
        line += f": {detail}"
    print(line, flush=True)


class Traffic:
    """Every request and response of one HTTPClient, seen through aiohttp's trace hooks."""

    def __init__(self):
        self.requests = 0
        self.statuses = []
        self.events = []  # (monotonic time, "start" or HTTP status)
        self.answered = []  # the method of each answered request
        self.config = aiohttp.TraceConfig()
        self.config.on_request_start.append(self._start)
        self.config.on_request_end.append(self._end)

    async def _start(self, session, context, params):
        self.requests += 1
        self.events.append((time.monotonic(), "start"))

    async def _end(self, session, context, params):
        self.statuses.append(params.response.status)
        self.events.append((time.monotonic(), params.response.status))
        self.answered.append(params.method)

    def gaps_after(self, status):
        """Seconds from each answer with `status` to the next request this client sent."""
        gaps = []
        for i, (at, kind) in enumerate(self.events):
            if kind == status:
                later = [t for t, k in self.events[i + 1 :] if k == "start"]
                if later:
                    gaps.append(later[0] - at)
        return gaps

    def count(self, status):
        return self.statuses.count(status)


class RateLimitLog(logging.Handler):
    """discord.py's own account of the 429s it met: it logs each one with the wait it chose."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.retries = []
        self.global_hits = 0

    def emit(self, record):
        message = record.getMessage()
        if "responded with 429" in message:
            self.retries.append(float(message.rsplit("Retrying in ", 1)[1].split(" ")[0]))
        elif message.startswith("Global rate limit has been hit"):
            self.global_hits += 1


def png(width, height, rgb):
    """A small, valid PNG (no imaging library needed)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


async def connect(token, traffic):
    """An HTTPClient logged in the library's way, and the ConnectionState its models parse with."""
    loop = asyncio.get_running_loop()
    http = HTTPClient(loop, http_trace=traffic.config)
    state = ConnectionState(dispatch=lambda *_: None, handlers={}, hooks={}, http=http, intents=discord.Intents.none())
    state.loop = loop
    data = await http.static_login(token)
    return http, state, data


# How each field of Discord's user object surfaces in discord.py's models.
def model_value(user, key):
    getters = {
        "id": lambda u: str(u.id),
        "username": lambda u: u.name,
        "discriminator": lambda u: u.discriminator,
        "global_name": lambda u: u.global_name,
        "avatar": lambda u: u.avatar.key if u.avatar else None,
        "banner": lambda u: u._banner,
        "accent_color": lambda u: u._accent_colour,
        "public_flags": lambda u: u.public_flags.value,
        "bot": lambda u: u.bot,
        "system": lambda u: u.system,
        "avatar_decoration_data": lambda u: u._avatar_decoration_data,
        "primary_guild": lambda u: u._primary_guild,
        "collectibles": lambda u: u._collectibles,
        # ClientUser only
        "verified": lambda u: u.verified,
        "mfa_enabled": lambda u: u.mfa_enabled,
        "locale": lambda u: str(u.locale) if u.locale else None,
        "flags": lambda u: u._flags,
    }
    return getters.get(key)


def compare_fields(user, data):
    """Every field the wire sent that discord.py models must come out of the model unchanged."""
    mismatches, unmodelled = [], []
    for key, value in data.items():
        getter = model_value(user, key)
        if getter is None:
            unmodelled.append(key)
            continue
        try:
            got = getter(user)
        except AttributeError:
            unmodelled.append(key)
            continue
        if got != value and not (value is None and not got):
            mismatches.append(f"{key}: wire {value!r}, model {got!r}")
    return mismatches, unmodelled


async def expect_error(coro, cls):
    try:
        await coro
    except cls as e:
        return e
    except discord.HTTPException as e:
        raise AssertionError(f"expected {cls.__name__}, got {type(e).__name__} {e.status} {e.code} {e.text}")
    raise AssertionError(f"expected {cls.__name__}, got success")


async def run_checks():
    rate_log = RateLimitLog()
    logging.getLogger("discord.http").addHandler(rate_log)
    logging.getLogger("discord.http").propagate = False
    logging.getLogger("discord.http").setLevel(logging.WARNING)
    bot_traffic = Traffic()
    http, state, me_data = await connect(BOT["token"], bot_traffic)
    clients = [http]
    try:
        await checks(http, state, me_data, bot_traffic, rate_log, clients)
    finally:
        for client in clients:
            await client.close()


async def attempt(name, body):
    try:
        await body()
    except Exception as e:  # a failed check must not hide the ones after it
        check(name, False, f"{type(e).__name__}: {e}")


async def checks(http, state, me_data, bot_traffic, rate_log, clients):
    me = discord.ClientUser(state=state, data=me_data)
    state.user = me
    check(
        "static_login with the bot token returns the bot as a ClientUser",
        str(me.id) == BOT["id"] and me.name == BOT["username"] and me.bot is True,
        f"{me!r}",
    )
    mismatches, unmodelled = compare_fields(me, me_data)
    check(
        "ClientUser parses every field of GET /users/@me",
        not mismatches,
        "; ".join(mismatches) or f"fields not modelled by discord.py: {unmodelled}",
    )

    async def other_user():
        data = await http.get_user(OTHER["id"])
        user = discord.User(state=state, data=data)
        mismatches, _ = compare_fields(user, data)
        check(
            "GET /users/{id} parses as discord.User with every field",
            str(user.id) == OTHER["id"] and user.name == OTHER["username"] and not user.bot and not mismatches,
            "; ".join(mismatches) or f"{user!r}",
        )
        default = await user.default_avatar.read()
        check(
            "the default avatar URL discord.py builds is served by Astral's CDN",
            user.default_avatar.url.startswith(BASE_URL) and default.startswith(b"\x89PNG"),
            user.default_avatar.url,
        )

    await attempt("GET /users/{id}", other_user)

    async def unknown_user():
        e = await expect_error(http.get_user(1), discord.NotFound)
        check(
            "an unknown user raises discord.NotFound with code 10013",
            e.status == 404 and e.code == 10013 and e.text == "Unknown User",
            f"{e.status} {e.code} {e.text!r}",
        )

    await attempt("unknown user", unknown_user)

    new_name = f"{BOT['username']}_renamed"
    avatar_png = png(16, 16, (200, 40, 90))

    async def edit_profile():
        # discord.py holds the call whose answer empties a bucket until the bucket resets
        # (PATCH /users/@me: 1 per 10 s), so the edit runs as a task while a second process of the
        # same bot, which knows nothing of it, sends its own edit.
        patches_before = bot_traffic.answered.count("PATCH")
        edit = asyncio.create_task(me.edit(username=new_name, avatar=avatar_png))
        while bot_traffic.answered.count("PATCH") == patches_before and not edit.done():
            await asyncio.sleep(0.01)
        await invalid_username_from_second_process()
        edited = await edit
        check(
            "ClientUser.edit(username=…, avatar=bytes) changes both (discord.py builds the data URI)",
            edited.name == new_name and edited.avatar is not None,
            f"{edited!r} avatar={edited.avatar and edited.avatar.key}",
        )
        seen = discord.User(state=state, data=await http.get_user(BOT["id"]))
        check(
            "the change is visible to GET /users/{id}",
            seen.name == new_name and seen.avatar is not None and seen.avatar.key == edited.avatar.key,
            f"{seen.name} {seen.avatar and seen.avatar.key}",
        )
        image = await seen.avatar.read()
        check(
            "the avatar URL discord.py builds (Asset.BASE) serves the uploaded image",
            seen.avatar.url.startswith(f"{BASE_URL}/avatars/{BOT['id']}/") and image.startswith(b"\x89PNG"),
            seen.avatar.url,
        )

    async def invalid_username_from_second_process():
        # Its PATCH meets a real 429 from the route's bucket, which discord.py must sleep out
        # before retrying and getting the answer to the request itself.
        second_traffic = Traffic()
        second, second_state, second_data = await connect(BOT["token"], second_traffic)
        clients.append(second)
        second_me = discord.ClientUser(state=second_state, data=second_data)
        retries_before = len(rate_log.retries)
        e = await expect_error(second_me.edit(username="x"), discord.HTTPException)
        check(
            "an invalid username raises HTTPException 400 / 50035 naming the field",
            e.status == 400 and e.code == 50035 and "In username:" in e.text,
            f"{e.status} {e.code} {e.text!r}",
        )
        waits = rate_log.retries[retries_before:]
        gaps = second_traffic.gaps_after(429)
        check(
            "on a real 429 (PATCH /users/@me, 1/10s) discord.py slept retry_after, then retried once",
            second_traffic.count(429) == 1
            and len(waits) == 1
            and waits[0] > 5
            and len(gaps) == 1
            and gaps[0] >= waits[0] - 0.01
            and second_traffic.requests == 3,
            f"429s {second_traffic.count(429)}, retry_after {waits}, next request after {[round(g, 2) for g in gaps]} s, "
            f"{second_traffic.requests} requests (login, 429, retry)",
        )

    await attempt("edit profile", edit_profile)

    async def dms():
        first = await http.start_private_message(OTHER["id"])
        second = await http.start_private_message(OTHER["id"])
        channel = discord.DMChannel(me=me, state=state, data=first)
        check(
            "opening a DM twice returns the same channel (discord.DMChannel)",
            first["id"] == second["id"] and channel.recipient is not None and str(channel.recipient.id) == OTHER["id"],
            f"{first['id']} {second['id']} {channel!r}",
        )
        listed = await http.request(Route("GET", "/users/@me/channels"))
        parsed = [discord.DMChannel(me=me, state=state, data=c) for c in listed if c["type"] == 1]
        check(
            "GET /users/@me/channels (raw request helper) lists the DM, parsed as DMChannel",
            any(c.id == channel.id for c in parsed),
            f"{[c.id for c in parsed]}",
        )

    await attempt("DMs", dms)

    async def guilds():
        # Client.fetch_guilds is the library's paging iterator; it needs only http and state.
        client = discord.Client(intents=discord.Intents.none())
        client.http, client._connection = http, state
        everything = [g async for g in client.fetch_guilds(limit=None)]
        ids = [g.id for g in everything]
        check(
            "fetch_guilds lists every guild in ascending order with counts",
            ids == GUILD_IDS + [LEAVE_GUILD_ID] and all(g.approximate_member_count == 2 for g in everything),
            f"{ids} counts={[g.approximate_member_count for g in everything]}",
        )
        after = [g.id async for g in client.fetch_guilds(limit=2, after=discord.Object(GUILD_IDS[0]))]
        before = [g.id async for g in client.fetch_guilds(limit=2, before=discord.Object(LEAVE_GUILD_ID))]
        check(
            "fetch_guilds pages with limit/after and limit/before",
            after == GUILD_IDS[1:3] and sorted(before) == GUILD_IDS[1:3],
            f"after={after} before={before}",
        )
        leaving = next(g for g in everything if g.id == LEAVE_GUILD_ID)
        await leaving.leave()
        remaining = [g.id async for g in client.fetch_guilds(limit=None)]
        check("Guild.leave() leaves the guild", remaining == GUILD_IDS, f"{remaining}")

    await attempt("guilds", guilds)

    async def relationships():
        user_http, user_state, _ = await connect(USER["token"], Traffic())
        clients.append(user_http)
        # discord.py sends every token as `Bot <token>`; Astral tells accounts apart by the token.
        await user_http.request(Route("PUT", "/users/@me/relationships/{user_id}", user_id=OTHER["id"]), json={})
        listed = await user_http.request(Route("GET", "/users/@me/relationships"))
        outgoing = [r for r in listed if r["id"] == OTHER["id"] and r["type"] == 4]
        parsed = discord.User(state=user_state, data=outgoing[0]["user"]) if outgoing else None
        check(
            "a user token lists relationships through HTTPClient.request (outgoing request, user parsed)",
            parsed is not None and parsed.name == OTHER["username"],
            f"{listed}",
        )
        e = await expect_error(http.request(Route("GET", "/users/@me/relationships")), discord.Forbidden)
        check(
            "the bot token gets discord.Forbidden 403 / 20001",
            e.status == 403 and e.code == 20001,
            f"{e.status} {e.code} {e.text!r}",
        )

    await attempt("relationships", relationships)

    async def other_versions():
        try:
            for version in ("v9", "v1"):
                Route.BASE = f"{BASE_URL}/api/{version}"
                user = discord.User(state=state, data=await http.get_user(OTHER["id"]))
                e = await expect_error(http.get_user(1), discord.NotFound)
                check(
                    f"/api/{version} serves the same API to discord.py",
                    str(user.id) == OTHER["id"] and e.code == 10013,
                    f"{user!r} {e.code}",
                )
        finally:
            Route.BASE = f"{BASE_URL}/api/v10"

    await attempt("other versions", other_versions)

    async def gateway():
        try:
            await http.get_bot_gateway()
        except discord.GatewayNotFound as e:
            cause = e.__cause__
            check(
                "GET /gateway/bot is a documented 404 (discord.GatewayNotFound from NotFound)",
                isinstance(cause, discord.NotFound) and cause.status == 404 and cause.code == 0 and "REST-only" in cause.text,
                f"{cause!r} {getattr(cause, 'text', '')!r}",
            )
        else:
            check("GET /gateway/bot is a documented 404", False, "it answered 2xx")

    await attempt("gateway", gateway)

    async def burst():
        # 15 at once against the global bucket (10, then one per 200 ms): discord.py paces itself
        # from X-RateLimit-* (and sleeps out any 429), so all succeed and it cannot be fast.
        limited_before = bot_traffic.count(429)
        requests_before = bot_traffic.requests
        started = time.monotonic()
        answers = await asyncio.gather(*[http.get_user(OTHER["id"]) for _ in range(15)], return_exceptions=True)
        elapsed = time.monotonic() - started
        failures = [a for a in answers if isinstance(a, BaseException)]
        met = bot_traffic.count(429) - limited_before
        sent = bot_traffic.requests - requests_before
        check(
            "a burst of 15 beyond the global bucket (10/2s) all succeed, paced, without spinning",
            not failures and all(a["id"] == OTHER["id"] for a in answers) and elapsed >= 0.9 and sent == 15 + met,
            f"{sent} requests, {met} answered 429, {elapsed:.2f}s, failures={failures[:1]}",
        )

    await attempt("burst", burst)

    async def herd():
        # 24 at once from a full bucket (10/2s): more than a burst wait together. They must all
        # succeed without discord.py giving up on one (it tries a request 5 times) or spinning.
        await asyncio.sleep(2.1)
        limited_before = bot_traffic.count(429)
        requests_before = bot_traffic.requests
        started = time.monotonic()
        answers = await asyncio.gather(*[http.get_user(OTHER["id"]) for _ in range(HERD)], return_exceptions=True)
        elapsed = time.monotonic() - started
        failures = [a for a in answers if isinstance(a, BaseException)]
        met = bot_traffic.count(429) - limited_before
        sent = bot_traffic.requests - requests_before
        check(
            f"a herd of {HERD} concurrent requests on one token (global bucket 10/2s) all succeed, few 429s",
            not failures and all(a["id"] == OTHER["id"] for a in answers) and sent == HERD + met and met <= HERD_MAX_429,
            f"{sent} requests, {met} answered 429, {elapsed:.2f}s, failures={failures[:1]}",
        )

    await attempt("herd", herd)


def main():
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(run_checks())
    passed = results.count(True)
    failed = results.count(False)
    print(f"discord.py: {passed} passed, {failed} failed", flush=True)
    sys.exit(0 if failed == 0 and passed > 0 else 1)


if __name__ == "__main__":
    main()
