#!/bin/bash
# The GPU run that trained the bundled models (one H100, 8 minutes, four runs side by side), kept as the
# record of how they were made. Needs the packed data: /usr/bin/python3 -m training.pack --config
# training/configs/film-unet.json --out .devpack (the GPU machine cannot see ../shared/data).
# Run from the repository root: OUT=<folder> bash training/gpu-sweep.sh
# Writes <OUT>/<run>.pt (best checkpoint by mean val Dice) and <OUT>/<run>.jsonl (per-evaluation log).
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:?set OUT to the folder for the checkpoints}
nvidia-smi -L || true
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
runs=(
  "fa training/configs/film-unet-gpu.json"
  "fb training/configs/film-unet-gpu.json --set batch_size=16 --set lr=0.001"
  "ca training/configs/clipseg-tiny-gpu.json"
  "cb training/configs/clipseg-tiny-gpu.json --set batch_size=16 --set lr=0.0005"
)
pids=()
for r in "${runs[@]}"; do
  set -- $r
  name=$1; cfg=$2; shift 2
  mkdir -p /tmp/sweep/$name
  python3 -m training.train --config "$cfg" --data .devpack --out /tmp/sweep/$name --threads 2 "$@" ${EXTRA:-} \
    > /tmp/sweep/$name.log 2>&1 &
  pids+=($!)
done
collect() {
  for r in "${runs[@]}"; do
    set -- $r
    d=/tmp/sweep/$1
    [ -f $d/best.pt ] && cp $d/best.pt $OUT/.tmp && mv $OUT/.tmp $OUT/$1.pt
    [ -f $d/log.jsonl ] && cp $d/log.jsonl $OUT/$1.jsonl
  done
}
(while sleep 60; do collect; done) &
loop=$!
status=0
for p in "${pids[@]}"; do wait $p || status=1; done
kill $loop 2>/dev/null
collect
for r in "${runs[@]}"; do set -- $r; echo "== $1"; grep -v '^{"epoch"' /tmp/sweep/$1.log | tail -5; tail -n 2 /tmp/sweep/$1/log.jsonl; done
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv || true
exit $status
