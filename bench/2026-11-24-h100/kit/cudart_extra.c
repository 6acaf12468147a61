/* The four CUDA 12.8 runtime functions that ONNX Runtime 1.28's CUDA provider imports and cudart 12.6
   lacks, written over the driver API (same handles and enum values). Preloaded, under cudart's version. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
typedef int (*fn)();
static void *sym(const char *name) {
    static void *h;
    if (!h) h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
    void *p = h ? dlsym(h, name) : 0;
    if (!p) fprintf(stderr, "cudart_extra: no %s\n", name);
    return p;
}
static int err(int r) { if (r) fprintf(stderr, "cudart_extra: driver error %d\n", r); return r == 0 ? 0 : 999; }
int cudaLibraryLoadData(void **lib, const void *code, void *jo, void **jv, unsigned nj, void *lo, void **lv, unsigned nl) {
    return err(((int (*)(void **, const void *, void *, void **, unsigned, void *, void **, unsigned)) sym("cuLibraryLoadData"))(lib, code, jo, jv, nj, lo, lv, nl));
}
int cudaLibraryUnload(void *lib) { return err(((int (*)(void *)) sym("cuLibraryUnload"))(lib)); }
int cudaLibraryGetKernel(void **k, void *lib, const char *name) {
    return err(((int (*)(void **, void *, const char *)) sym("cuLibraryGetKernel"))(k, lib, name));
}
int cudaKernelSetAttributeForDevice(void *kernel, int attr, int value, int device) {
    int dev;
    int r = ((int (*)(int *, int)) sym("cuDeviceGet"))(&dev, device);
    if (r) return err(r);
    return err(((int (*)(int, int, void *, int)) sym("cuKernelSetAttribute"))(attr, value, kernel, dev));
}
