#!/usr/bin/env bash
# Builds the GPU measurement kit: JRE, LipFlow classes + runtime jars (linux-x86_64 natives only), the
# onnxruntime_gpu 1.28.0 jar and CUDA 12 libraries, with device code for GPUs other than sm_90 blanked.
# Work directory: $GPU_WORK (default /tmp/gpu), which must already hold jre/ (jlink), slim/ (libcudart.so.12),
# shim/out/ (the cuBLAS shims), extra/classes (GpuCheck, and GpuExp from ../../2026-11-25-gpu/kit) and run.sh; the repository is found from here.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
G=${GPU_WORK:-/tmp/gpu}; K=$G/kit; rm -rf $K; mkdir -p $K/lib $K/cuda12
cp -r $G/jre $K/jre
cp -r $REPO/target/classes $K/classes
for j in $(tr ':' '\n' < $REPO/target/classpath.txt); do
  case $j in *onnxruntime-1.28.0.jar|*async-profiler*) continue;; esac
  cp $j $K/lib/
  f=$K/lib/$(basename $j)
  bad=$(unzip -Z1 $f | grep -E "\.(so|dll|dylib|jnilib|a)$" | grep -v -i -E "linux-x86_64|linux64|linux/amd64|linux-x64|linux_64|amd64/linux|Linux/x86_64" || true)
  [ -n "$bad" ] && zip -q -d $f $bad
  # stored, not deflated: zstd's long window compresses the whole kit far better
  rm -rf $G/x && mkdir $G/x && (cd $G/x && unzip -q $f && rm $f && zip -q -0 -r -X $f .)
done
cp $G/run.sh $K/ && cp -r $G/extra/classes $K/extra
sed -n 's:.*<flink.jvm.opens>\(.*\)</flink.jvm.opens>.*:\1:p' $REPO/pom.xml | sed 's/--add-exports=jdk.compiler[^ ]* //g' > $K/opens.txt
# the -Pcuda build's ONNX Runtime, its sm_90 code only
O=$G/o128; rm -rf $O; mkdir -p $O; cd $O
unzip -q ~/.m2/repository/com/microsoft/onnxruntime/onnxruntime_gpu/1.28.0/onnxruntime_gpu-1.28.0.jar -x 'ai/onnxruntime/native/win-x64/*'
rm -f ai/onnxruntime/native/linux-x64/libonnxruntime_providers_tensorrt.so
python3 $G/fatbin.py ai/onnxruntime/native/linux-x64/libonnxruntime_providers_cuda.so blank p.so | tail -1
mv p.so ai/onnxruntime/native/linux-x64/libonnxruntime_providers_cuda.so
zip -q -r -0 $K/lib/onnxruntime_gpu-1.28.0-sm90.jar .
cp $G/slim/libcudart.so.12 $G/shim/out/libcublas.so.12 $G/shim/out/libcublasLt.so.12 $K/cuda12/
cd $G && tar cf - kit | zstd -q -T2 -19 --long=30 -f -o $G/kit.tar.zst
ls -la $G/kit.tar.zst
