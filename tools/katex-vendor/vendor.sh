#!/usr/bin/env bash
# Vendors KaTeX (math for the r1 serve chat page) from npm into src/R1Sharp.Server/wwwroot/katex, whose output is
# committed: the build and CI need no network. Rerun after changing the version in package.json (npm ci uses the lock):
#   tools/katex-vendor/vendor.sh
# It copies katex.min.js, katex.min.css (font sources cut to the woff2 files, which every current browser loads) and
# the woff2 fonts, plus KaTeX's MIT license.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --silent
src=node_modules/katex/dist
out=../../src/R1Sharp.Server/wwwroot/katex
rm -rf "$out"
mkdir -p "$out/fonts"
cp "$src/katex.min.js" "$out/"
sed -E 's/,url\(fonts\/[A-Za-z0-9_-]+\.woff\) format\("woff"\),url\(fonts\/[A-Za-z0-9_-]+\.ttf\) format\("truetype"\)//g' \
  "$src/katex.min.css" > "$out/katex.min.css"
cp "$src"/fonts/*.woff2 "$out/fonts/"
cp node_modules/katex/LICENSE "$out/LICENSE.txt"
if grep -qE '\.(woff|ttf)\)' "$out/katex.min.css"; then echo "vendor.sh: katex.min.css still names woff/ttf fonts" >&2; exit 1; fi
echo "vendored KaTeX $(node -p 'require("./node_modules/katex/package.json").version') into $out"
