#!/usr/bin/env python3
"""Writes the vm-test guest's initramfs, an uncompressed newc cpio archive
(the format the kernel unpacks; no cpio tool on the host needed):

  mkinitrd.py OUT INIT MODULE.ko...

/init is INIT; the modules go to /lib/modules/, and /modules lists them in
the given order (dependencies first) for INIT to load. Also /dev/console,
so the kernel gives /init a console, and the mount points /dev and /root.
"""
import os
import stat
import sys


def entry(out, ino, name, mode, data=b"", rdev=(0, 0)):
    """One newc record: header, NUL-terminated name, data, 4-byte pads."""
    name_b = name.encode() + b"\0"
    fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
              len(name_b), 0)
    head = b"070701" + b"".join(b"%08x" % f for f in fields)
    out.write(head + name_b)
    out.write(b"\0" * (-(len(head) + len(name_b)) % 4))
    out.write(data)
    out.write(b"\0" * (-len(data) % 4))


def main(argv):
    if len(argv) < 3:
        sys.exit("usage: mkinitrd.py OUT INIT MODULE.ko...")
    out_path, init, modules = argv[1], argv[2], argv[3:]
    listed = []
    with open(out_path + ".tmp", "wb") as out:
        ino = 1
        for d in ("dev", "root", "lib", "lib/modules"):
            entry(out, ino, d, stat.S_IFDIR | 0o755)
            ino += 1
        entry(out, ino, "dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1))
        ino += 1
        with open(init, "rb") as f:
            entry(out, ino, "init", stat.S_IFREG | 0o755, f.read())
        ino += 1
        for m in modules:
            name = "lib/modules/" + os.path.basename(m)
            with open(m, "rb") as f:
                entry(out, ino, name, stat.S_IFREG | 0o644, f.read())
            ino += 1
            listed.append("/" + name)
        entry(out, ino, "modules", stat.S_IFREG | 0o644,
              "".join(x + "\n" for x in listed).encode())
        entry(out, 0, "TRAILER!!!", 0)
    os.replace(out_path + ".tmp", out_path)


if __name__ == "__main__":
    main(sys.argv)
