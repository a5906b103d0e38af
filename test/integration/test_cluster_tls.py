"""The whole local cluster with TLS and CHAP (issue #18):
scripts/vas-local.sh with VAS_LOCAL_TLS=1 and VAS_LOCAL_CHAP=1 on 127.0.2.x
runs the same life cycle as test_cluster_local, every daemon, reporter, CLI
call and helper over HTTPS with client certificates of a CA made at start,
every target bound to its own CHAP account."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_cluster_local  # noqa: E402

if __name__ == "__main__":
    if not shutil.which("openssl"):
        test_cluster_local.skip("openssl missing")
    test_cluster_local.main(dict(test_cluster_local.WITH_TLS, tls=True,
                                 chap=True))
