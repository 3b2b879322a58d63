#!/usr/bin/env bash
# Distillation against RL for a small student on the built-in chain-sum task (R1-METHOD.md §4.4, §4.6; issue 17), now the
# library-backed verb `r1 recipe distill` (src/R1Sharp/Recipes/Distillation/DistillRecipe*.cs). Per seed, in
# OUT/seed-N/NN-stage: an R1-Zero teacher (GRPO from models/chain-sum-base), a tiny student pretrained like the base
# but rarely thinking (5 % worked solutions; q_proj/k_proj at unit gain), rejection sampling of the teacher, SFT of the student on the kept traces,
# GRPO of the student alone for the same wall time, and GRPO of the distilled student; every model judged as
# `r1 eval --task chain-sum` (100 held-out problems, k = 8, temperature 0.6). OUT/summary.json and the printed table give
# mean ± std over the seeds. Finished stages are skipped
# on a rerun and interrupted ones resumed; see `r1 recipe distill --help` for every size.
#
# Usage: tools/distill-demo.sh [r1 recipe distill options]   (from anywhere; DIR and SEEDS set --out and --seeds)
#   e.g. tools/distill-demo.sh --student-preset micro --student-worked 0.5 --student-init none --sft-epochs 3 --sft-lr 1e-3
#   (the first, single-seed table's student and SFT)
set -euo pipefail
exec dotnet run --project "$(dirname "$0")/../src/R1Sharp.Cli" -c Release -- \
  recipe distill --out "${DIR:-/tmp/distill-demo}" --seeds "${SEEDS:-1,2,3}" "$@"
