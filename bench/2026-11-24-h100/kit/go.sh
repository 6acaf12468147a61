#!/usr/bin/env bash
# Unpacks the staged GPU kit, checks CUDA against the CPU, then runs the whole bench on the GPU.
set -o pipefail
if [ "$1" = diag ]; then
  K=/tmp/kit; shift
  rm -rf $K/extra && cp -r /tmp/repo_patch/extra $K/extra
  nvidia-smi dmon -s um -d 1 > $OUT/dmon.txt 2>&1 &
  cd /tmp && CUDNN_DIR=$(cat /tmp/cudnn_dir) MAIN=io.lipflow.cli.GpuPipe timeout ${DIAG_LIMIT:-500} $K/run.sh "$@" 2>&1 | grep -v -E "^  generator" | tee $OUT/diag.txt | grep -E "RUN|^   |Exception|Caused"
  exit 0
fi
if [ "$1" = bench ]; then
  K=/tmp/kit
  nvidia-smi dmon -s um -d 1 > $OUT/dmon.txt 2>&1 &
  cd /tmp && SHIM_LOG=1 CUDNN_DIR=$(cat /tmp/cudnn_dir) timeout ${BENCH_LIMIT:-560} $K/run.sh bench --device cuda 2>&1 | tee $OUT/bench.txt | grep -v -E "^  generator|^bench: (models|generat)"
  cp /tmp/lfhome/bench/results/* $OUT/ 2>/dev/null
  exit 0
fi
cd /tmp/stage && ls -la && cat part0 part1 part2 | sha256sum | tee $OUT/sha.txt
cat part0 part1 part2 | /tmp/repo_bin/zstd -d --long=30 | tar xf - -C /tmp || exit 1
K=/tmp/kit
cp /tmp/repo_patch/libcudart_extra.so $K/cuda12/ && cp /tmp/repo_patch/run.sh $K/run.sh && rm -rf $K/extra $K/classes && cp -r /tmp/repo_patch/extra $K/extra && cp -r /tmp/repo_patch/classes $K/classes
for d in /usr/lib/x86_64-linux-gnu /opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib; do
  export CUDNN_DIR=$d
  echo "== cuDNN from $d"
  MAIN=io.lipflow.inference.GpuCheck SHIM_LOG=1 timeout 180 $K/run.sh /tmp/lfhome/models > $OUT/check.txt 2>&1
  tail -15 $OUT/check.txt
  [ "$(grep -c '^check ' $OUT/check.txt)" -ge 6 ] && echo $d > /tmp/cudnn_dir && break
done
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,power.draw,temperature.gpu --format=csv
echo "go.sh check done"
