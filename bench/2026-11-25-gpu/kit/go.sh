#!/usr/bin/env bash
# Device-side steps of the GPU kit (see bench/2026-11-24-h100/README.md). Usage: go.sh stage|unpack|bench|exp
# exp: SPECS='GpuExp specs' go.sh exp OPTIONS... runs the specs once per argument, each a set of CUDA provider
# options (name=value;name=value, '' for none), e.g. go.sh exp '' 'prefer_nhwc=1'; EXP_OPTS adds JVM options
# (EXP_OPTS=-Dthreads=true: CPU per frame by thread group)
set -o pipefail
step=$1; shift
mkdir -p /tmp/stage /tmp/repo_bin
case $step in
stage)
  for p in .gpu/p*; do [ -d $p ] && cp $p/* /tmp/stage/ && rm -rf $p; done
  [ -f /tmp/stage/zstd.xz ] && python3 -c "import lzma,sys; open(\"/tmp/repo_bin/zstd\",\"wb\").write(lzma.open(\"/tmp/stage/zstd.xz\").read())" && chmod +x /tmp/repo_bin/zstd && /tmp/repo_bin/zstd --version
  ls -la /tmp/stage; df -h /tmp | tail -1
  ;;
unpack)
  for p in .gpu/p*; do [ -d $p ] && cp $p/* /tmp/stage/ && rm -rf $p; done
  cd /tmp/stage && cat part0 part1 part2 | sha256sum | tee $OUT/sha.txt
  cat part0 part1 part2 | /tmp/repo_bin/zstd -d --long=30 | tar xf - -C /tmp || exit 1
  K=/tmp/kit
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,power.draw,temperature.gpu --format=csv
  for d in /usr/lib/x86_64-linux-gnu /opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib; do
    ls $d/libcudnn.so.9* >/dev/null 2>&1 || { echo "no cuDNN in $d"; continue; }
    export CUDNN_DIR=$d
    echo "== cuDNN from $d"
    MAIN=io.lipflow.inference.GpuCheck timeout 200 $K/run.sh /tmp/lfhome/models > $OUT/check.txt 2>&1
    tail -12 $OUT/check.txt
    [ "$(grep -c '^check ' $OUT/check.txt)" -ge 6 ] && echo $d > /tmp/cudnn_dir && break
  done
  echo "unpack done: cuDNN $(cat /tmp/cudnn_dir 2>/dev/null)"
  ;;
bench)
  nvidia-smi dmon -s um -d 1 > $OUT/dmon.txt 2>&1 &
  cd /tmp && CUDNN_DIR=$(cat /tmp/cudnn_dir) LIPFLOW_HOME=/tmp/lfhome timeout ${BENCH_LIMIT:-560} /tmp/kit/run.sh bench --device cuda "$@" 2>&1 | tee $OUT/bench.txt | grep -v -E "^  generator .*again|^bench: (models|generat)"
  cp /tmp/lfhome/bench/results/* $OUT/ 2>/dev/null
  ls /tmp/lfhome/bench/results
  ;;
esac
case $step in
exp)
  rm -rf /tmp/kit/classes && cp -r target/classes /tmp/kit/classes && rm -rf /tmp/kit/extra && cp -r .gpu/x/classes /tmp/kit/extra
  cd /tmp
  i=0
  for v in "$@"; do
    i=$((i+1))
    nvidia-smi --query-gpu=memory.used,utilization.gpu --format=csv,noheader,nounits -lms 500 > /tmp/mem$i.txt 2>&1 &
    smi=$!
    echo "=== variant $i: $v"
    CUDNN_DIR=$(cat /tmp/cudnn_dir) MAIN=io.lipflow.cli.GpuExp JAVA_OPTS="-Xmx16g -XX:G1HeapRegionSize=8m -Dlog4j2.configurationFile=$OLDPWD/.gpu/x/log4j2.properties -Dlipflow.device=cuda:0${v:+;$v} ${EXP_OPTS:-}" \
      timeout ${VLIMIT:-140} /tmp/kit/run.sh $SPECS > /tmp/exp$i.txt 2>&1
    kill $smi
    grep -E "^EXP|FAILED|OutOfMemory|CUDA|Failed to allocate" /tmp/exp$i.txt | cut -c1-400 | head -20
    awk -F, '{if ($1+0>m) m=$1+0; if ($2+0>0) {u+=$2; n++}} END {printf "peak GPU memory %d MiB, mean util (when >0) %.0f%% over %d samples\n", m, u/(n?n:1), NR}' /tmp/mem$i.txt
    cp /tmp/exp$i.txt $OUT/ ; cp /tmp/mem$i.txt $OUT/
  done
  ;;
esac
