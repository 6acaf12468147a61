"""Forwarding shims: libcublas.so.12 / libcublasLt.so.12 whose symbols jump to cuBLAS 13's (counted)."""
import collections
syms = collections.defaultdict(list)
# blas_syms.txt: `nm -D --undefined-only libonnxruntime_providers_cuda.so | grep @libcublas | awk '{print $2}'`
for line in open("blas_syms.txt"):
    name, lib = line.strip().split("@")
    syms[lib].append(name)
for lib, names in syms.items():
    target = lib.replace(".so.12", ".so.13")
    c = ['#define _GNU_SOURCE', '#include <dlfcn.h>', '#include <stdio.h>', '#include <stdlib.h>']
    c.append('static const char *names[] = {%s};' % ", ".join('"%s"' % n for n in names))
    c.append('void *fwd_ptr[%d]; long fwd_cnt[%d];' % (len(names), len(names)))
    c.append('static void missing(void) { fprintf(stderr, "shim %s: called a function cuBLAS 13 lacks\\n"); abort(); }' % lib)
    c.append('__attribute__((constructor)) static void init(void) {')
    c.append('  void *h = dlopen("%s", RTLD_NOW | RTLD_GLOBAL);' % target)
    c.append('  if (!h) { fprintf(stderr, "shim %s: %%s\\n", dlerror()); abort(); }' % lib)
    c.append('  for (int i = 0; i < %d; i++) { fwd_ptr[i] = dlsym(h, names[i]); if (!fwd_ptr[i]) { fprintf(stderr, "shim %s: no %%s in %s\\n", names[i]); fwd_ptr[i] = (void *) missing; } }' % (len(names), lib, target))
    c.append('}')
    c.append('__attribute__((destructor)) static void report(void) {')
    c.append('  if (!getenv("SHIM_LOG")) return;')
    c.append('  for (int i = 0; i < %d; i++) if (fwd_cnt[i]) fprintf(stderr, "shim %s: %%s called %%ld times\\n", names[i], fwd_cnt[i]);' % (len(names), lib))
    c.append('}')
    for i, n in enumerate(names):
        c.append('__asm__(".globl %s\\n.type %s,@function\\n%s:\\n lock incq fwd_cnt+%d(%%rip)\\n jmp *fwd_ptr+%d(%%rip)\\n");' % (n, n, n, 8 * i, 8 * i))
    open(lib + ".c", "w").write("\n".join(c) + "\n")
    open(lib + ".map", "w").write("%s { global: %s; local: *; };\n" % (lib, "; ".join(names)))
    print(lib, len(names))
