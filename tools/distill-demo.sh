#!/usr/bin/env bash
# Distillation demo on the built-in chain-sum task (R1-METHOD.md §4.4, §4.6: "distillation beats RL for small models"):
# an R1-Zero teacher -> `r1 distill` (rejection sampling) -> `r1 train sft` of a smaller student, against the same
# student trained by `r1 zero` (GRPO) for the same wall time. Every model is judged by `r1 eval --task chain-sum`
# (the 100 held-out problems of `r1 zero`, k = 8, temperature 0.6) and the table is printed at the end.
#
# Usage: tools/distill-demo.sh            (from the repository root; ~15 min on 2 idle cores)
#   DIR=/tmp/distill-demo    where everything goes; finished stages are skipped on a rerun (delete a folder to redo it)
#   TEACHER_STEPS=300                     GRPO steps of the R1-Zero teacher
#   STUDENT_PRESET=micro STUDENT_STEPS=3500   the student: pretrained like models/chain-sum-base, smaller shape
#   STUDENT_WORKED=0.5                    share of worked solutions in the student's pretraining corpus (how often it thinks)
#   PROBLEMS=1000 SAMPLES=4 KEEP=2        distill: training problems, teacher samples each, traces kept each
#   SFT_EPOCHS=3 SFT_LR=0.001             SFT of the student on the kept traces
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${DIR:-/tmp/distill-demo}
TEACHER_STEPS=${TEACHER_STEPS:-300}
STUDENT_PRESET=${STUDENT_PRESET:-micro}
STUDENT_STEPS=${STUDENT_STEPS:-3500}
STUDENT_WORKED=${STUDENT_WORKED:-0.5}
PROBLEMS=${PROBLEMS:-1000}
SAMPLES=${SAMPLES:-4}
KEEP=${KEEP:-2}
SFT_EPOCHS=${SFT_EPOCHS:-3}
SFT_LR=${SFT_LR:-0.001}
# Teacher and distilled data are shared by every student; each student's runs go to its own folder.
S="$DIR/student-$STUDENT_PRESET-w$STUDENT_WORKED"
mkdir -p "$DIR" "$S"

dotnet build src/R1Sharp.Cli -c Release 2>&1 | grep -E " error |Warn|Elapsed" || true
R1="dotnet src/R1Sharp.Cli/bin/Release/net10.0/linux-x64/r1.dll"
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }
json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
# Sum of the GRPO steps' rollout + update seconds in a run's metrics.jsonl (evaluations excluded).
grpo_seconds() { python3 -c "import json,sys; print(round(sum(r['time/rollout_s'] + r['time/update_s'] for r in map(json.loads, open(sys.argv[1])) if r), 1))" "$1"; }

# 1. Teacher: the R1-Zero run of the README (GRPO from models/chain-sum-base). Not part of the comparison.
if [ ! -f "$DIR/zero/summary.json" ]; then
  echo "== teacher: r1 zero --out $DIR/zero --steps $TEACHER_STEPS"
  $R1 zero --out "$DIR/zero" --steps "$TEACHER_STEPS" > "$DIR/zero.txt" 2> "$DIR/zero.log"
fi
TEACHER=$(json "$DIR/zero/summary.json" model)

# 2. Student base: a smaller model pretrained like models/chain-sum-base (same corpus recipe).
if [ ! -f "$S/base/config.json" ]; then
  echo "== student: r1 pretrain --preset $STUDENT_PRESET --steps $STUDENT_STEPS --worked-fraction $STUDENT_WORKED"
  $R1 pretrain --task chain-sum --out "$S/base" --arch qwen2 --preset "$STUDENT_PRESET" --steps "$STUDENT_STEPS" --seed 1 \
    --worked-fraction "$STUDENT_WORKED" > "$S/base.log" 2>&1
fi

# 3. (b) Distill: K teacher samples per training problem, rejection sampling, kept traces as prompt/completion JSONL.
if [ ! -f "$DIR/distill.seconds" ]; then
  echo "== r1 distill --teacher $TEACHER --task chain-sum --problems $PROBLEMS --samples $SAMPLES --keep-per-problem $KEEP"
  t0=$(now)
  $R1 distill --teacher "$TEACHER" --task chain-sum --problems "$PROBLEMS" --samples "$SAMPLES" --keep-per-problem "$KEEP" \
    --out "$DIR/distill/data.jsonl" 2> "$DIR/distill.log" | tee "$DIR/distill.txt"
  secs "$t0" "$(now)" > "$DIR/distill.seconds"
fi

# 4. (b) SFT of the student on the kept traces (completion-only loss: it learns the teacher's completions).
if [ ! -f "$S/sft.seconds" ]; then
  echo "== r1 train sft ($SFT_EPOCHS epochs, lr $SFT_LR)"
  cat > "$S/sft.json" <<EOF
{ "model_name_or_path": "$S/base", "dataset_path": "$DIR/distill/data.jsonl", "dataset_format": "prompt_completion",
  "output_dir": "$S/sft", "num_train_epochs": $SFT_EPOCHS, "per_device_train_batch_size": 32, "learning_rate": $SFT_LR,
  "warmup_ratio": 0.05, "max_length": 256, "logging_steps": 10, "save_steps": 100000, "seed": 1 }
EOF
  t0=$(now)
  $R1 train sft --config "$S/sft.json" > "$S/sft.log" 2>&1
  secs "$t0" "$(now)" > "$S/sft.seconds"
fi
budget=$(python3 -c "print($(cat "$DIR/distill.seconds") + $(cat "$S/sft.seconds"))")

# 5. (c) GRPO of the same student for the same wall time: a 3-step probe times a student GRPO step, then `r1 zero`
#    runs as many steps as distill + SFT took seconds (its own before/after evaluation is kept small; r1 eval judges).
if [ ! -f "$S/grpo/summary.json" ]; then
  rm -rf "$S/probe" "$S/grpo"
  $R1 zero --base "$S/base" --steps 3 --eval-problems 4 --eval-k 1 --out "$S/probe" > /dev/null 2>&1
  step_s=$(python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if l.strip()][1:]; print(sum(x['time/rollout_s']+x['time/update_s'] for x in r)/len(r))" "$S/probe/metrics.jsonl")
  steps=$(python3 -c "print(max(1, round($budget / $step_s)))")
  echo "== r1 zero --base $S/base --steps $steps (distill + SFT took $budget s; one GRPO step ~$(printf %.2f "$step_s") s)"
  $R1 zero --base "$S/base" --steps "$steps" --eval-problems 4 --eval-k 1 --out "$S/grpo" > "$S/grpo.txt" 2> "$S/grpo.log"
fi

# 6. Judge every model the same way.
evaluate() {  # file model
  [ -f "$1.txt" ] || $R1 eval --model "$2" --task chain-sum --out "$1.jsonl" > "$1.txt" 2> /dev/null
}
evaluate "$DIR/eval-teacher" "$TEACHER"
evaluate "$S/eval-base" "$S/base"
evaluate "$S/eval-distilled" "$S/sft"
evaluate "$S/eval-grpo" "$(json "$S/grpo/summary.json" model)"

python3 - "$DIR" "$S" "$STUDENT_PRESET" "$STUDENT_WORKED" "$(grpo_seconds "$S/grpo/metrics.jsonl")" <<'EOF'
import json, sys
d, s, preset, worked, grpo_s = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
def metrics(path):
    rows = [json.loads(l) for l in open(f"{path}.jsonl") if l.strip()]
    n = len(rows)
    return (sum(r["pass_at1"] for r in rows) / n, sum(r["cons_at_k"] for r in rows) / n,
            sum(sum(r["lengths"]) / len(r["lengths"]) for r in rows) / n)
def params(path):
    line = [l for l in open(path) if l.startswith("pretrained")]
    return line[0].split()[1] if line else "?"
distill_s, sft_s = float(open(f"{d}/distill.seconds").read()), float(open(f"{s}/sft.seconds").read())
steps = json.load(open(f"{s}/grpo/summary.json"))["steps"]
print(f"\nchain-sum held-out (r1 eval --task chain-sum: 100 problems x k = 8, temperature 0.6)")
print(f"student: preset {preset}, {params(f'{s}/base.log')} parameters, pretrained with {float(worked):.0%} worked solutions")
print(f"{'model':<46}{'pass@1':>8}{'cons@8':>8}{'mean len':>10}{'train s':>9}")
rows = [("teacher: R1-Zero GRPO from chain-sum-base", f"{d}/eval-teacher", None),
        ("(a) student before", f"{s}/eval-base", None),
        ("(b) student, r1 distill + r1 train sft", f"{s}/eval-distilled", distill_s + sft_s),
        (f"(c) student, r1 zero ({steps} GRPO steps)", f"{s}/eval-grpo", grpo_s)]
for label, name, s in rows:
    p, c, l = metrics(name)
    print(f"{label:<46}{p*100:>7.1f}%{c*100:>7.1f}%{l:>10.1f}{'' if s is None else f'{s:.0f}':>9}")
print(f"(b) = distill {distill_s:.0f} s + SFT {sft_s:.0f} s; (c) = the GRPO steps' rollout + update time")
EOF
