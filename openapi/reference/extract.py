#!/usr/bin/env python3
"""Extracts the `/users` part of Discord's published OpenAPI description.

Usage: extract.py SPEC.json > discord-users.openapi.json

SPEC.json is `specs/openapi.json` of github.com/discord/discord-api-spec (the file
this copy was taken from; see PROVENANCE.md). Keeps every path that starts with `/users`,
every component those paths reference (transitively), the security schemes, and the
document's header, and notes
where it came from in `info.x-extracted`.
"""
import json
import sys


def refs(value, found):
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            found.add(tuple(ref[len("#/components/"):].split("/", 1)))
        for v in value.values():
            refs(v, found)
    elif isinstance(value, list):
        for v in value:
            refs(v, found)


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    paths = {p: v for p, v in spec["paths"].items() if p.startswith("/users")}
    wanted, todo = set(), set()
    refs(paths, todo)
    while todo:
        item = todo.pop()
        if item in wanted:
            continue
        wanted.add(item)
        kind, name = item
        refs(spec["components"][kind][name], todo)
    # Kinds in upstream's order; security schemes are referenced by name from `security`, not
    # by `$ref`, so all of them are kept.
    components = {}
    for kind, items in spec["components"].items():
        if kind == "securitySchemes":
            components[kind] = items
        else:
            kept = {n: v for n, v in items.items() if (kind, n) in wanted}
            if kept:
                components[kind] = kept
    info = dict(spec["info"])
    info["x-extracted"] = (
        "users paths of discord/discord-api-spec specs/openapi.json "
        "(MIT License, Copyright 2023 Discord)"
    )
    out = {k: spec[k] for k in ("openapi", "info", "servers") if k in spec}
    out["info"] = info
    out["paths"] = paths
    out["components"] = components
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
