#!/usr/bin/env bash
# Checks that every relative link and image in README.md and docs/**/*.md names a file that exists, and
# that a #anchor names a heading of the file it points into (GitHub's heading slugs). Prints each broken
# link as FILE: TARGET and exits 1 if there is one. Usage: bash scripts/check-doc-links.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - README.md $(find docs -name '*.md' | sort) <<'PY'
import os, re, sys

def slugs(path):
    out, seen = set(), {}
    in_code = False
    for line in open(path, encoding='utf-8'):
        if line.startswith('```'):
            in_code = not in_code
        if in_code or not line.startswith('#'):
            continue
        text = line.lstrip('#').strip().lower()
        slug = re.sub(r'[^\w\- ]', '', text).replace(' ', '-')
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f'{slug}-{n}')
    return out

bad = 0
for md in sys.argv[1:]:
    text = open(md, encoding='utf-8').read()
    text = re.sub(r'```.*?```', '', text, flags=re.S)          # links inside code blocks are not links
    for target in re.findall(r'\]\(([^)\s]+)\)', text):
        if re.match(r'[a-z]+:', target):
            continue                                            # http:, https:, mailto:
        path, _, anchor = target.partition('#')
        full = os.path.normpath(os.path.join(os.path.dirname(md), path)) if path else md
        if not os.path.exists(full):
            print(f'{md}: {target} (no such file)'); bad += 1
        elif anchor and full.endswith('.md') and anchor not in slugs(full):
            print(f'{md}: {target} (no such heading)'); bad += 1
print(f'{len(sys.argv) - 1} files checked, {bad} broken links')
sys.exit(1 if bad else 0)
PY
