#!/usr/bin/env python3
"""Checks the repository's markdown: every relative link resolves inside the repository
(and its #anchor to a heading of the target), and every repository path written in
backticks (`daemon/admin/schemas/v1/`, `configs/azure-interop.yaml`...) exists.

    python3 doc/check_links.py [ROOT]      # exit 0 clean, 1 with one line per problem

Links to http(s) pages are not fetched. Build trees (build*/) and .git are skipped.
"""
import glob
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
TOP = ("bgp", "rib", "dataplane", "daemon", "tests", "contrib", "bench", "configs", "doc")
LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)\)|^\[[^\]]+\]:\s*(\S+)", re.M)
CODE_PATH = re.compile(r"`((?:%s)/[A-Za-z0-9_./*-]*)`" % "|".join(TOP))
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)


def markdown_files():
    for base, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d != ".git" and not d.startswith("build")]
        for name in files:
            if name.endswith(".md"):
                yield os.path.join(base, name)


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[`*]", "", heading.strip()).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    seen = {}
    result = set()
    with open(path, encoding="utf-8") as f:
        text = FENCE.sub("", f.read())
    for match in re.finditer(r"^#{1,6}\s+(.*?)\s*#*\s*$", text, re.M):
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def main():
    problems = []
    for path in sorted(markdown_files()):
        rel = os.path.relpath(path, ROOT)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        prose = FENCE.sub("", text)
        for match in LINK.finditer(prose):
            target = match.group(1) or match.group(2)
            if re.match(r"^[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            resolved = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
            if not resolved.startswith(ROOT + os.sep) and resolved != ROOT:
                problems.append(f"{rel}: link {target} leaves the repository")
            elif not os.path.exists(resolved):
                problems.append(f"{rel}: link {target}: no such file")
            elif anchor and resolved.endswith(".md") and anchor not in anchors(resolved):
                problems.append(f"{rel}: link {target}: no heading #{anchor} in {os.path.relpath(resolved, ROOT)}")
        for match in CODE_PATH.finditer(text):
            # A module may be named without its extension: `rib/aggregate` or `rib/aggregate.*`.
            candidate = match.group(1).removesuffix(".*").rstrip(".")
            full = os.path.join(ROOT, candidate)
            if not os.path.exists(full) and not glob.glob(full + ".*"):
                problems.append(f"{rel}: path `{candidate}` does not exist")
        for bad in ("../shared", "seed-test-setup", "azure-behaviour.md"):
            if bad in text:
                problems.append(f"{rel}: refers to {bad}, outside the repository")
    for line in problems:
        print(line)
    print(f"check_links: {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
