#!/usr/bin/env bash
# usage: kit/run.sh <lipflow args...>   (LipFlow's launcher, with the kit's JRE, jars and CUDA 12 libraries)
K=$(cd "$(dirname "$0")" && pwd)
export LD_PRELOAD=$K/cuda12/libcudart_extra.so
export LD_LIBRARY_PATH=$K/cuda12:/usr/local/cuda-13.0/lib64:${CUDNN_DIR:-/usr/lib/x86_64-linux-gnu}
opens="$(cat $K/opens.txt)"
exec $K/jre/bin/java ${JAVA_OPTS:--Xmx16g -XX:G1HeapRegionSize=8m} $opens -Dlipflow.home=${LIPFLOW_HOME:-/tmp/lfhome} -cp "$K/classes:$K/extra:$K/lib/*" ${MAIN:-io.lipflow.cli.Main} "$@"
