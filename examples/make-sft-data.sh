#!/usr/bin/env bash
# Makes examples/sft.jsonl, the SFT data of README.md's `r1 train sft` example: R1's rejection sampling (`r1 distill`)
# of the committed base models/chain-sum-base on 300 chain-sum training problems, 4 samples each, at most one kept
# trace per problem (right answer, well formed), rewritten by jq into TRL's conversational prompt/completion form:
# {"prompt": [{"role": "user", "content": QUESTION}], "completion": " <think> ... </think> <answer> D </answer>"}.
# Deterministic (seeded sampling): running it again gives the same file.
set -euo pipefail
cd "$(dirname "$0")/.."
r1() { dotnet run --project src/R1Sharp.Cli -c Release -- "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
r1 distill --teacher models/chain-sum-base --task chain-sum --problems 300 --samples 4 --keep-per-problem 1 --out "$tmp/kept.jsonl"
jq -c '{prompt: [{role: "user", content: (.prompt | capture("User: (?<q>.*)\\. Assistant:$").q)}], completion}' \
  "$tmp/kept.jsonl" > examples/sft.jsonl
echo "wrote examples/sft.jsonl: $(wc -l < examples/sft.jsonl) rows"
