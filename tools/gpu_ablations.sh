#!/usr/bin/env bash
# The results chapter's comparisons (notebooks/05_results): full runs from the book's setup
# to the preset best, one setting at a time, and the preset with two more seeds, all at
# once on one GPU (each run alone leaves most of it idle). From the repository's root:
#   tools/gpu_ablations.sh OUT [DATA] [VECTORS]
# DATA and VECTORS as for tools/gpu_check.sh; $EXTRA adds options to every run (a smoke
# test on a CPU: EXTRA="--limit 400 --epochs 1 --num-steps 60 --valid-size 50").
set -uo pipefail
out=${1:?give a folder for the runs}
data=${2:-.gpu/data}
vectors=${3:-.gpu/glove-vocab.npz}
mkdir -p "$out"
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 TQDM_DISABLE=1 D2LSENT_MIRROR=$data
export D2LSENT_CACHE=${D2LSENT_CACHE:-/tmp/d2lsent-cache}
python=${PYTHON:-python3}
# Each run changes one setting of the one before it; the last three differ in the seed.
names=(1-book-setup 2-fine-tuned 3-fast-recipe 4-glove-tokens 5-dropout-0.5 6-lr-0.002
       7-best-epoch 8-best-seed-1 9-best-seed-2)
book='--preset book'
options=("$book"
         "$book --no-freeze-embedding"
         "$book --no-freeze-embedding --recipe fast"
         "$book --no-freeze-embedding --recipe fast --tokenizer glove"
         "$book --no-freeze-embedding --recipe fast --tokenizer glove --dropout 0.5"
         "$book --no-freeze-embedding --recipe fast --tokenizer glove --dropout 0.5 --lr 0.002"
         "--preset best"
         "--preset best --seed 1"
         "--preset best --seed 2")
start=$SECONDS
for tokenizer in book glove; do  # the token ids once, before the runs read them
  "$python" -m d2lsent prepare --tokenizer $tokenizer --embedding "$vectors" \
    >"$out/prepare-$tokenizer.log" 2>&1 || { cat "$out/prepare-$tokenizer.log"; exit 1; }
done
for i in "${!names[@]}"; do
  # shellcheck disable=SC2086  # the options are words
  "$python" -m d2lsent train ${options[$i]} ${EXTRA:-} --embedding "$vectors" \
    --out "$out/${names[$i]}" >"$out/${names[$i]}.log" 2>&1 &
done
failed=0
for job in $(jobs -p); do wait "$job" || failed=1; done
for name in "${names[@]}"; do echo "$name: $(tail -n 1 "$out/$name.log")"; done
"$python" -m d2lsent results "${names[@]/#/$out/}" >"$out/results.md" && cat "$out/results.md"
echo "all runs: $((SECONDS - start)) s, $([ $failed = 0 ] && echo finished || echo FAILED)"
exit $failed
