#!/usr/bin/env bash
# Distillation demo on the built-in chain-sum task (R1-METHOD.md §4.4, §4.6: "distillation beats RL for small models"):
# an R1-Zero teacher -> `r1 distill` (rejection sampling) -> `r1 train sft` of a smaller student, against the same
# student trained by `r1 zero` (GRPO) for the same wall time. Prints a table on the 100 held-out problems x k = 8.
#
# Usage: tools/distill-demo.sh            (from the repository root; ~15 min on 2 idle cores)
#   DIR=/tmp/distill-demo    where everything goes; finished stages are skipped on a rerun (delete a folder to redo it)
#   TEACHER_STEPS=300                     GRPO steps of the R1-Zero teacher (an interrupted teacher run is resumed)
#   PROBLEMS=500 SAMPLES=4 KEEP=2        distill: training problems, teacher samples each, traces kept each
#   STUDENT_STEPS=1500                    pretraining steps of the student (preset micro: 2 layers, hidden 32)
#   SFT_EPOCHS=2 SFT_LR=0.001             SFT of the student on the kept traces (R1 SFTs its students for 2 epochs)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${DIR:-/tmp/distill-demo}
TEACHER_STEPS=${TEACHER_STEPS:-300}
PROBLEMS=${PROBLEMS:-500}
SAMPLES=${SAMPLES:-4}
KEEP=${KEEP:-2}
STUDENT_STEPS=${STUDENT_STEPS:-1500}
SFT_EPOCHS=${SFT_EPOCHS:-2}
SFT_LR=${SFT_LR:-0.001}
mkdir -p "$DIR"

dotnet build src/R1Sharp.Cli -c Release 2>&1 | grep -E " error |Warn|Elapsed" || true
R1="dotnet src/R1Sharp.Cli/bin/Release/net10.0/linux-x64/r1.dll"
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }

# 1. Teacher: the R1-Zero run of the README (GRPO from models/chain-sum-base). Not counted in the comparison.
if [ ! -f "$DIR/zero/summary.json" ]; then
  resume=$([ -f "$DIR/zero/checkpoint/trainer_state.json" ] && echo --resume || true)
  echo "== teacher: r1 zero --out $DIR/zero --steps $TEACHER_STEPS $resume"
  $R1 zero --out "$DIR/zero" --steps "$TEACHER_STEPS" $resume 2>> "$DIR/zero.log"
fi

# 2. Student base: a smaller model pretrained like models/chain-sum-base (same corpus recipe, preset micro).
if [ ! -f "$DIR/student/config.json" ]; then
  echo "== student: r1 pretrain --preset micro --steps $STUDENT_STEPS"
  $R1 pretrain --task chain-sum --out "$DIR/student" --arch qwen2 --preset micro --steps "$STUDENT_STEPS" --seed 1 --worked-fraction 0.5 \
    > "$DIR/student.log" 2>&1
fi

# 3. Distill: K teacher samples per training problem, rejection sampling, kept traces as prompt/completion JSONL.
if [ ! -f "$DIR/distill.seconds" ]; then
  echo "== r1 distill --teacher $DIR/zero/checkpoint --task chain-sum --problems $PROBLEMS --samples $SAMPLES --keep-per-problem $KEEP"
  t0=$(now)
  $R1 distill --teacher "$DIR/zero/checkpoint" --task chain-sum --problems "$PROBLEMS" --samples "$SAMPLES" --keep-per-problem "$KEEP" \
    --out "$DIR/distill/data.jsonl" 2> "$DIR/distill.log" | tee "$DIR/distill.txt"
  secs "$t0" "$(now)" > "$DIR/distill.seconds"
fi

# 4. SFT of the student on the kept traces (completion-only loss: it learns the teacher's completions).
if [ ! -f "$DIR/sft.seconds" ]; then
  echo "== r1 train sft ($SFT_EPOCHS epochs, lr $SFT_LR)"
  cat > "$DIR/sft.json" <<EOF
{ "model_name_or_path": "$DIR/student", "dataset_path": "$DIR/distill/data.jsonl", "dataset_format": "prompt_completion",
  "output_dir": "$DIR/sft", "num_train_epochs": $SFT_EPOCHS, "per_device_train_batch_size": 32, "learning_rate": $SFT_LR,
  "warmup_ratio": 0.05, "max_length": 256, "logging_steps": 10, "save_steps": 100000, "seed": 1 }
EOF
  t0=$(now)
  $R1 train sft --config "$DIR/sft.json" > "$DIR/sft.log" 2>&1
  secs "$t0" "$(now)" > "$DIR/sft.seconds"
fi

# 5. (b) Evaluate the distilled student: the "base" evaluation of an `r1 zero` run from it (the same 100 held-out
#    problems x k = 8, same seed); its few GRPO steps are discarded but time one student-sized GRPO step.
if [ ! -f "$DIR/eval-sft/summary.json" ]; then
  echo "== evaluating the distilled student (r1 zero --base $DIR/sft --steps 6)"
  $R1 zero --base "$DIR/sft" --steps 6 --out "$DIR/eval-sft" > "$DIR/eval-sft.txt" 2> "$DIR/eval-sft.log"
fi
budget=$(python3 -c "print($(cat "$DIR/distill.seconds") + $(cat "$DIR/sft.seconds"))")
step_s=$(python3 - "$DIR/eval-sft/metrics.jsonl" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
secs = [r["seconds"] for r in rows[1:]] or [r["seconds"] for r in rows]  # step 1 pays warm-up
print(f"{sum(secs) / len(secs):.4f}")
EOF
)
steps=$(python3 -c "print(max(1, round($budget / $step_s)))")

# 6. (a) + (c): GRPO of the same student for the same wall time; its base column is the student before anything.
if [ ! -f "$DIR/zero-student/summary.json" ]; then
  echo "== r1 zero --base $DIR/student --steps $steps (distill + SFT took $budget s; one GRPO step ~$step_s s)"
  $R1 zero --base "$DIR/student" --steps "$steps" --out "$DIR/zero-student" > "$DIR/zero-student.txt" 2> "$DIR/zero-student.log"
fi

python3 - "$DIR" <<'EOF'
import json, sys
d = sys.argv[1]
def load(p): return json.load(open(f"{d}/{p}"))
rl, sft, teacher = load("zero-student/summary.json"), load("eval-sft/summary.json"), load("zero/summary.json")
rl_train = sum(json.loads(l)["seconds"] for l in open(f"{d}/zero-student/metrics.jsonl") if l.strip())
distill_s, sft_s = float(open(f"{d}/distill.seconds").read()), float(open(f"{d}/sft.seconds").read())
print(f"\nchain-sum held-out: 100 problems x k = 8 (temperature 0.6); student = preset micro")
print(f"{'model':<44}{'pass@1':>8}{'cons@8':>8}{'mean len':>10}{'wall s':>9}")
rows = [
    ("teacher (R1-Zero GRPO from chain-sum-base)", teacher["final_pass1"], teacher["final_cons8"], teacher["final_mean_length"], None),
    ("(a) student before", rl["base_pass1"], rl["base_cons8"], rl["base_mean_length"], None),
    ("(b) student, r1 distill + r1 train sft", sft["base_pass1"], sft["base_cons8"], sft["base_mean_length"], distill_s + sft_s),
    (f"(c) student, r1 zero ({rl['steps']} GRPO steps)", rl["final_pass1"], rl["final_cons8"], rl["final_mean_length"], rl_train),
]
for name, p, c, l, s in rows:
    print(f"{name:<44}{p*100:>7.1f}%{c*100:>7.1f}%{l:>10.1f}{'' if s is None else f'{s:.0f}':>9}")
print(f"(b) = distill {distill_s:.0f} s + SFT {sft_s:.0f} s; (c) = GRPO steps {rl_train:.0f} s of a {rl['seconds']:.0f} s run (two evaluations included)")
EOF
