#!/usr/bin/env bash
# The GPU check: run from the repository's root on a machine with an NVIDIA GPU, its own
# Python and PyTorch (no install, no network), docs/distributed.md "On a GPU":
#   tools/gpu_check.sh LOGS [DATA] [VECTORS]
# LOGS: a folder for the logs; DATA: a folder holding the IMDb archive and its SHA256SUMS
# (default .gpu/data); VECTORS: the word vectors of the vocabularies, written here by
# `python -m d2lsent prepare --save-vectors FILE` (default .gpu/glove-vocab.npz).
# It runs the CUDA tests, a smoke run, the bench of each recipe (the fast one also with its
# two directions on one CUDA stream) and one full run of the preset, and prints what each
# printed last.
set -uo pipefail
logs=${1:?give a folder for the logs}
data=${2:-.gpu/data}
vectors=${3:-.gpu/glove-vocab.npz}
mkdir -p "$logs"
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 TQDM_DISABLE=1 D2LSENT_MIRROR=$data
export D2LSENT_CACHE=${D2LSENT_CACHE:-/tmp/d2lsent-cache}
python=${PYTHON:-python3}
failed=0
start=$SECONDS

step() {  # step NAME COMMAND...: run it, its output to LOGS/NAME.log, say how it went
  local name=$1 began=$SECONDS
  shift
  echo "== $name: $*"
  "$@" >"$logs/$name.log" 2>&1
  local status=$?
  echo "   exit $status in $((SECONDS - began)) s; last lines:"
  tail -n "${TAIL:-4}" "$logs/$name.log" | sed 's/^/   | /'
  [ "$status" = 0 ] || failed=1
}

# The fast recipe with the two directions of each layer one after the other on the GPU
# (as on the CPU), instead of side by side on two CUDA streams (d2lsent.torch.SIDE_BY_SIDE).
one_stream() {
  "$python" -c 'import sys
import d2lsent.torch as t
t.SIDE_BY_SIDE["cuda"] = False
from d2lsent.__main__ import main
sys.exit(main(sys.argv[1:]))' "$@"
}

step machine "$python" -c 'import platform, numpy, torch
print("Python", platform.python_version(), "numpy", numpy.__version__, "torch",
      torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version())
print(torch.cuda.get_device_name(0), torch.cuda.get_device_properties(0).total_memory // 2**20, "MiB")'
step prepare "$python" -m d2lsent prepare --embedding "$vectors"
step tests "$python" -m pytest -p no:cacheprovider -o addopts= -m cuda -v tests/test_cuda.py
step smoke "$python" -m d2lsent train --limit 2000 --num-steps 100 --epochs 2 \
  --embedding "$vectors" --out "$logs/runs/smoke"
TAIL=3 step bench "$python" -m d2lsent bench --backend torch --recipe book,fast \
  --batches 40 --json --embedding "$vectors"
TAIL=1 step bench-one-stream one_stream bench --backend torch --recipe fast --batches 40 \
  --json --embedding "$vectors"
TAIL=8 step train "$python" -m d2lsent train --processes auto --embedding "$vectors" \
  --out "$logs/runs/preset"
echo "== the whole check: $((SECONDS - start)) s, $([ $failed = 0 ] && echo passed || echo FAILED)"
exit $failed
