#!/usr/bin/env bash
# Makes models/tiny-qwen2, the tiny random model shipped for `r1 inspect` and the CLI examples:
# a 600-token byte-level BPE (DeepSeek-R1 special tokens and chat template) trained on
# tests/fixtures/bpe/corpus.txt, and a 2-layer qwen2 of the `tiny` preset with seed 0.
# Deterministic: running it again gives the same files.
set -euo pipefail
cd "$(dirname "$0")/.."
r1() { dotnet run --project src/R1Sharp.Cli -c Release -- "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
r1 train-tokenizer --corpus tests/fixtures/bpe/corpus.txt --vocab-size 600 --r1 --out "$tmp/tokenizer"
rm -rf models/tiny-qwen2
r1 new-model --arch qwen2 --preset tiny --tokenizer "$tmp/tokenizer" --seed 0 --out models/tiny-qwen2
