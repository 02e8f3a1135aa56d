// @discordjs/rest (with discord-api-types' Routes) against Astral.
//
// Run by `cargo xtask compat`, or by hand against a running server:
//
//   (cd compat/node && npm ci) && ASTRAL_COMPAT_FIXTURE=fixture.json node compat/node/test.mjs
//
// (the fixture format is in docs/discord-libraries.md). Prints one line per check, `ok - …` or
// `not ok - …`, then `@discordjs/rest: N passed, N failed`; exits non-zero on any failure.
//
// The only change a discord.js bot makes: `api` (and `cdn`, where it builds image URLs) in the
// REST options. Everything else is the library as shipped.

import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { DiscordAPIError, REST, RESTEvents, makeURLSearchParams } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';

const fixture = JSON.parse(readFileSync(process.env.ASTRAL_COMPAT_FIXTURE, 'utf8'));
const { base_url: BASE_URL, bot: BOT, user: USER, other_user: OTHER } = fixture;
const GUILD_IDS = fixture.guild_ids;
const LEAVE_GUILD_ID = fixture.leave_guild_id;

const results = [];
function check(name, ok, detail = '') {
	results.push(Boolean(ok));
	console.log(`${ok ? 'ok' : 'not ok'} - ${name}${detail ? `: ${detail}` : ''}`);
}

// Every answer the library received, through its own `response` event.
function traffic(rest) {
	const seen = { statuses: [], events: [], rateLimited: [] };
	rest.on(RESTEvents.Response, (request, response) => {
		seen.statuses.push(response.status);
		seen.events.push({ at: performance.now(), method: request.method, status: response.status, retries: request.retries });
	});
	rest.on(RESTEvents.RateLimited, (info) => seen.rateLimited.push(info));
	seen.count = (status) => seen.statuses.filter((s) => s === status).length;
	return seen;
}

// The one change: where the API and the CDN are.
function client(token, { version = '10', authPrefix = 'Bot' } = {}) {
	const rest = new REST({ api: `${BASE_URL}/api`, cdn: BASE_URL, version, authPrefix, timeout: 30_000 });
	return rest.setToken(token);
}

// A small, valid PNG, and the data URI Discord's API takes (discord.js's DataResolver builds the
// same; @discordjs/rest itself sends JSON as given).
function png(width, height, [r, g, b]) {
	const crcTable = Array.from({ length: 256 }, (_, n) => {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		return c >>> 0;
	});
	const crc = (buf) => {
		let c = 0xffffffff;
		for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
		return (c ^ 0xffffffff) >>> 0;
	};
	const chunk = (type, data) => {
		const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
		const out = Buffer.alloc(12 + data.length);
		out.writeUInt32BE(data.length, 0);
		body.copy(out, 4);
		out.writeUInt32BE(crc(body), 8 + data.length);
		return out;
	};
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header.set([8, 2, 0, 0, 0], 8);
	const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [r, g, b]).flat())]);
	const rows = Buffer.concat(Array.from({ length: height }, () => row));
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(rows)),
		chunk('IEND', Buffer.alloc(0)),
	]);
}

// APIUser as discord-api-types declares it: each field Astral sends must have the declared type.
const USER_FIELDS = {
	id: 'snowflake',
	username: 'string',
	discriminator: 'string',
	global_name: 'string|null',
	avatar: 'string|null',
	bot: 'boolean',
	system: 'boolean',
	mfa_enabled: 'boolean',
	banner: 'string|null',
	accent_color: 'number|null',
	locale: 'string',
	verified: 'boolean',
	email: 'string|null',
	flags: 'number',
	premium_type: 'number',
	public_flags: 'number',
	avatar_decoration: 'string|null',
	avatar_decoration_data: 'object|null',
	collectibles: 'object|null',
	primary_guild: 'object|null',
};

function typeErrors(user, required = ['id', 'username', 'discriminator', 'global_name', 'avatar']) {
	const errors = [];
	for (const key of required) if (!(key in user)) errors.push(`${key} missing`);
	for (const [key, value] of Object.entries(user)) {
		const declared = USER_FIELDS[key];
		if (!declared) continue;
		const actual = value === null ? 'null' : typeof value;
		const fits =
			declared === 'snowflake'
				? typeof value === 'string' && /^\d{1,20}$/.test(value)
				: declared.split('|').includes(actual);
		if (!fits) errors.push(`${key}: ${JSON.stringify(value)} is not ${declared}`);
	}
	return errors;
}

async function expectError(promise) {
	try {
		await promise;
	} catch (error) {
		if (error instanceof DiscordAPIError) return error;
		throw error;
	}
	throw new Error('expected a DiscordAPIError, got success');
}

async function attempt(name, body) {
	try {
		await body();
	} catch (error) {
		check(name, false, `${error?.name}: ${error?.message}`);
	}
}

const rest = client(BOT.token);
const botTraffic = traffic(rest);

await attempt('current user', async () => {
	const me = await rest.get(Routes.user());
	check('GET Routes.user() with the bot token returns the bot', me.id === BOT.id && me.bot === true && me.username === BOT.username, me.username);
	const errors = typeErrors(me, ['id', 'username', 'discriminator', 'global_name', 'avatar', 'verified', 'mfa_enabled', 'locale']);
	check('every field of GET /users/@me has the type discord-api-types declares (APIUser)', errors.length === 0, errors.join('; '));
});

await attempt('other user', async () => {
	const other = await rest.get(Routes.user(OTHER.id));
	const errors = typeErrors(other);
	check('GET Routes.user(id) returns the other user, typed as APIUser', other.id === OTHER.id && other.bot === false && errors.length === 0, errors.join('; ') || other.username);
	const url = rest.cdn.defaultAvatar(Number((BigInt(other.id) >> 22n) % 6n));
	const answer = await fetch(url);
	const bytes = Buffer.from(await answer.arrayBuffer());
	check("the default avatar URL rest.cdn builds is served by Astral's CDN", answer.ok && url.startsWith(BASE_URL) && bytes.subarray(1, 4).toString() === 'PNG', url);
});

await attempt('unknown user', async () => {
	const error = await expectError(rest.get(Routes.user('1')));
	check('an unknown user is DiscordAPIError 404 / 10013', error.status === 404 && error.code === 10013 && error.message === 'Unknown User', `${error.status} ${error.code} ${error.message}`);
});

await attempt('edit profile', async () => {
	const newName = `${BOT.username}_renamed`;
	const image = png(16, 16, [30, 120, 200]);
	const edited = await rest.patch(Routes.user(), {
		body: { username: newName, avatar: `data:image/png;base64,${image.toString('base64')}` },
	});
	check('PATCH Routes.user() changes the username and avatar', edited.username === newName && typeof edited.avatar === 'string', `${edited.username} ${edited.avatar}`);

	// A second process of the same bot knows nothing of that edit: its PATCH meets a real 429
	// from the route's bucket (1 per 10 s), which @discordjs/rest must sleep out and retry.
	const second = client(BOT.token);
	const secondTraffic = traffic(second);
	const started = performance.now();
	const error = await expectError(second.patch(Routes.user(), { body: { username: 'x' } }));
	const usernameErrors = error.rawError?.errors?.username?._errors ?? [];
	check(
		'an invalid username is DiscordAPIError 400 / 50035 with rawError.errors.username',
		error.status === 400 && error.code === 50035 && usernameErrors.length > 0 && usernameErrors[0].code === 'BASE_TYPE_BAD_LENGTH',
		`${error.status} ${error.code} ${JSON.stringify(error.rawError?.errors)}`,
	);
	const [limited, retried] = secondTraffic.events;
	check(
		'on a real 429 (PATCH /users/@me, 1/10s) @discordjs/rest waited Retry-After, then retried once',
		secondTraffic.events.length === 2 && limited.status === 429 && retried.status === 400 && retried.at - limited.at >= 5_000,
		`answers ${secondTraffic.statuses}, retried after ${retried ? ((retried.at - limited.at) / 1000).toFixed(2) : '-'} s, ${((performance.now() - started) / 1000).toFixed(2)} s in all`,
	);

	const seen = await rest.get(Routes.user(BOT.id));
	check('the change is visible to GET Routes.user(id)', seen.username === newName && seen.avatar === edited.avatar, `${seen.username} ${seen.avatar}`);
	const url = rest.cdn.avatar(BOT.id, seen.avatar, { extension: 'png', size: 64 });
	const answer = await fetch(url);
	const bytes = Buffer.from(await answer.arrayBuffer());
	check('the avatar URL rest.cdn.avatar builds serves the uploaded image', answer.ok && url.startsWith(`${BASE_URL}/avatars/${BOT.id}/`) && bytes.subarray(1, 4).toString() === 'PNG', url);
});

await attempt('DMs', async () => {
	const first = await rest.post(Routes.userChannels(), { body: { recipient_id: OTHER.id } });
	const again = await rest.post(Routes.userChannels(), { body: { recipient_id: OTHER.id } });
	check('opening a DM twice returns the same channel', first.id === again.id && first.type === 1 && first.recipients?.[0]?.id === OTHER.id, `${first.id} ${again.id}`);
	const listed = await rest.get(Routes.userChannels());
	check('GET Routes.userChannels() lists the DM', listed.some((c) => c.id === first.id), listed.map((c) => c.id).join(','));
});

await attempt('guilds', async () => {
	const all = await rest.get(Routes.userGuilds(), { query: makeURLSearchParams({ with_counts: true }) });
	const ids = all.map((g) => g.id);
	check(
		'GET Routes.userGuilds() with with_counts=true lists every guild ascending, with counts',
		JSON.stringify(ids) === JSON.stringify([...GUILD_IDS, LEAVE_GUILD_ID]) && all.every((g) => g.approximate_member_count === 2),
		`${ids} ${all.map((g) => g.approximate_member_count)}`,
	);
	const after = await rest.get(Routes.userGuilds(), { query: makeURLSearchParams({ limit: 2, after: GUILD_IDS[0] }) });
	const before = await rest.get(Routes.userGuilds(), { query: makeURLSearchParams({ limit: 2, before: LEAVE_GUILD_ID, with_counts: false }) });
	check(
		'limit/after and limit/before page through the guilds (makeURLSearchParams)',
		JSON.stringify(after.map((g) => g.id)) === JSON.stringify(GUILD_IDS.slice(1, 3)) &&
			JSON.stringify(before.map((g) => g.id)) === JSON.stringify(GUILD_IDS.slice(1, 3)) &&
			before.every((g) => g.approximate_member_count === undefined),
		`after=${after.map((g) => g.id)} before=${before.map((g) => g.id)}`,
	);
	await rest.delete(Routes.userGuild(LEAVE_GUILD_ID));
	const remaining = (await rest.get(Routes.userGuilds())).map((g) => g.id);
	check('DELETE Routes.userGuild(id) leaves the guild', JSON.stringify(remaining) === JSON.stringify(GUILD_IDS), `${remaining}`);
});

await attempt('relationships', async () => {
	// A user token goes as `Bearer` (Astral's alias of the user token); relationships have no
	// Routes helper, so they go through the raw request methods with a path.
	const person = client(USER.token, { authPrefix: 'Bearer' });
	await person.put(`/users/@me/relationships/${OTHER.id}`, { body: {} });
	const listed = await person.get('/users/@me/relationships');
	const outgoing = listed.find((r) => r.id === OTHER.id);
	check('a user token lists relationships through rest.get(path)', outgoing?.type === 4 && outgoing.user?.username === OTHER.username && typeErrors(outgoing.user).length === 0, JSON.stringify(listed));
	const error = await expectError(rest.get('/users/@me/relationships'));
	check('the bot token gets DiscordAPIError 403 / 20001', error.status === 403 && error.code === 20001, `${error.status} ${error.code} ${error.message}`);
});

await attempt('versions', async () => {
	for (const version of ['9', '1']) {
		const versioned = client(BOT.token, { version });
		const other = await versioned.get(Routes.user(OTHER.id));
		const error = await expectError(versioned.get(Routes.user('1')));
		check(`version: '${version}' (/api/v${version}) serves the same API`, other.id === OTHER.id && error.code === 10013 && error.url.includes(`/api/v${version}/`), error.url);
	}
});

await attempt('gateway', async () => {
	for (const route of [Routes.gateway(), Routes.gatewayBot()]) {
		const error = await expectError(rest.get(route));
		check(`GET ${route} is the documented 404 (REST-only)`, error.status === 404 && error.code === 0 && error.message.includes('REST-only'), `${error.status} ${error.code} ${error.message}`);
	}
});

// `count` GETs of OTHER at once through @discordjs/rest on the bot's token: how long they took,
// the ones that failed or answered another user, and what the bot's traffic saw meanwhile
// (requests sent, 429s met, rateLimited waits).
async function concurrentGets(count) {
	const before = { answers: botTraffic.statuses.length, limited: botTraffic.count(429), waits: botTraffic.rateLimited.length };
	const started = performance.now();
	const answers = await Promise.allSettled(Array.from({ length: count }, () => rest.get(Routes.user(OTHER.id))));
	return {
		elapsed: (performance.now() - started) / 1000,
		failures: answers.filter((a) => a.status === 'rejected' || a.value.id !== OTHER.id),
		sent: botTraffic.statuses.length - before.answers,
		met: botTraffic.count(429) - before.limited,
		waits: botTraffic.rateLimited.length - before.waits,
	};
}

await attempt('burst', async () => {
	// 15 at once against the global bucket (10, then one per 200 ms): @discordjs/rest queues them
	// and paces itself from X-RateLimit-*, so all succeed, and it cannot be fast.
	const { elapsed, failures, sent, met, waits } = await concurrentGets(15);
	check(
		'a burst of 15 beyond the global bucket (10/2s) all succeed, paced from the headers, without spinning',
		failures.length === 0 && elapsed >= 0.9 && sent === 15 + met && waits > 0,
		`${sent} requests, ${met} answered 429, ${waits} rateLimited waits, ${elapsed.toFixed(2)} s`,
	);
});

// The herd check: this many requests at once on one token, and the 429s they may meet at most.
// Astral's global bucket admits 10, and a refusal's retry_after is the time until the bucket is
// full again, so the 14 left over wake together and at most 10 of them fit: 14 + 4 refusals.
const HERD = 24;
const HERD_MAX_429 = 18;

await attempt('herd', async () => {
	// 24 at once from a full bucket (10/2s): more than a burst wait together, and all must
	// succeed without @discordjs/rest giving up on one or spinning.
	await new Promise((resolve) => setTimeout(resolve, 2_100));
	const { elapsed, failures, sent, met, waits } = await concurrentGets(HERD);
	check(
		`a herd of ${HERD} concurrent requests on one token (global bucket 10/2s) all succeed, few 429s`,
		failures.length === 0 && sent === HERD + met && met <= HERD_MAX_429,
		`${sent} requests, ${met} answered 429, ${waits} rateLimited waits, ${elapsed.toFixed(2)} s, failures: ${failures
			.slice(0, 1)
			.map((f) => f.reason ?? f.value?.id)}`,
	);
});

const passed = results.filter(Boolean).length;
const failed = results.length - passed;
console.log(`@discordjs/rest: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
