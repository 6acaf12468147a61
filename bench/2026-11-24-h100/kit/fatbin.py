"""List or blank the device code of an ELF's .nv_fatbin section: keeps sm_90* cubins and all PTX."""
import struct, sys, collections, subprocess
path, mode = sys.argv[1], sys.argv[2]
out = subprocess.run(["readelf", "-S", "-W", path], capture_output=True, text=True).stdout
for line in out.splitlines():
    if ".nv_fatbin" in line:
        f = line.split("]")[1].split()
        off, size = int(f[3], 16), int(f[4], 16)
data = bytearray(open(path, "rb").read()) if mode == "blank" else open(path, "rb").read()
stats = collections.Counter(); blanked = 0
p, end = off, off + size
while p < end:
    magic, ver, hsz, fsz = struct.unpack_from("<IHHQ", data, p)
    if magic != 0xBA55ED50:
        p += 8; continue
    q, qend = p + hsz, p + hsz + fsz
    while q < qend:
        kind, ev, ehsz, psz = struct.unpack_from("<HHIQ", data, q)
        arch = struct.unpack_from("<I", data, q + 28)[0]
        flags = struct.unpack_from("<Q", data, q + 40)[0]
        key = ("ptx" if kind == 1 else "elf", arch)
        stats[key] += psz
        if mode == "blank" and ((kind == 2 and arch // 10 != 9) or (kind == 1 and arch > 90)):
            data[q + ehsz:q + ehsz + psz] = bytes(psz); blanked += psz
        q += ehsz + psz
    p = qend
for k, v in sorted(stats.items()):
    print(k, v // 1000000, "MB")
if mode == "blank":
    open(sys.argv[3], "wb").write(data); print("blanked", blanked // 1000000, "MB")
