"""Detach of a volume used by a running libvirt domain -> ERROR/EBUSY;
vas_virt reaches libvirt with the volume's /dev/vas link. Uses libvirt's
test driver with a node file (in-process, no daemon)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hsvr_harness import (run_on, BUILD, Agent, EV_DONE, EV_ERROR, check, dext,
                          skip_if_missing, volume)

skip_if_missing()
VIRT = os.path.join(BUILD, "agents", "hsvr", "vas_virt")

NODE = """<node>
  <domain type='test'>
    <name>vm1</name>
    <memory>65536</memory>
    <os><type>hvm</type></os>
    <devices>%s</devices>
  </domain>
</node>
"""
DISK = ("<disk type='block' device='disk'><source dev='%s'/>"
        "<target dev='vdb' bus='virtio'/></disk>")


def main():
    a = Agent({"libvirt_uri": "test://{dir}/node.xml"})
    node = os.path.join(a.dir, "node.xml")
    def body():
        lv = volume(0x10, "vm", 10, [(0x13, [dext(0x14, 1, 5, 0),
                                             dext(0x15, 2, 7, 0)])])
        check(a.attach(1, lv) == [EV_DONE, 0], "attach")
        with open(node, "w") as f:
            f.write(NODE % (DISK % a.p("/dev/vas/vm")))
        check(a.detach(2, lv) == [EV_ERROR, 16], "used by vm1 -> EBUSY")
        check(os.path.exists(a.mapper("snapshot-origin-00000011")), "kept")
        # vas_virt: already plugged in (the test driver has no hot-plug)
        r = subprocess.run([VIRT, "--config", a.conf, "attach", "vm", "vm1"],
                           capture_output=True, text=True)
        check(r.returncode == 1 and "File exists" in r.stderr, r.stderr)
        r = subprocess.run([VIRT, "--config", a.conf, "attach", "nosuch",
                            "vm1"], capture_output=True, text=True)
        check(r.returncode == 1 and "not attached" in r.stderr, r.stderr)
        with open(node, "w") as f:
            f.write(NODE % "")
        check(a.detach(3, lv) == [EV_DONE, 0], "free -> detached")
        check(a.devices() == [], "nothing left")

    run_on(a, body)
    print("ok")


main()
