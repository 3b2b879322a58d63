#!/usr/bin/env bash
# Makes examples/reward.jsonl, the preference pairs of README.md's `r1 train reward` example, from examples/sft.jsonl
# (rejection-sampled traces of models/chain-sum-base): for every trace that shows its work, the pair prefers it
# ("chosen") over a bare answer with the same digit ("rejected") — R1's readability preference in miniature.
# Rows are TRL's explicit-prompt preference form: {"prompt": "QUESTION =", "chosen": " <think> ... </think> ...",
# "rejected": " <think> </think> <answer> D </answer>"}. Deterministic: running it again gives the same file.
set -euo pipefail
cd "$(dirname "$0")/.."
jq -c 'select(.completion | startswith(" <think> </think>") | not)
  | {prompt: (.prompt[0].content + " ="), chosen: .completion,
     rejected: (" <think> </think> <answer> " + (.completion | capture("<answer> (?<a>[0-9]+) </answer>").a) + " </answer>")}' \
  examples/sft.jsonl > examples/reward.jsonl
echo "wrote examples/reward.jsonl: $(wc -l < examples/reward.jsonl) pairs"
