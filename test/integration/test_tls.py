"""Optional TLS (issue #18, SECURITY.md): with [tls] the manager speaks only
HTTPS and serves only clients holding a certificate of the cluster CA;
Python's xmlrpc.client with an SSL context works (cloud drivers), the C
client library and the CLI present their certificate, and the manager's own
calls to a TLS agent go over HTTPS. Certificates are made at test time with
scripts/vas-ca.sh (openssl)."""
import http.client
import os
import shutil
import ssl
import subprocess
import tempfile
import unittest
import xmlrpc.client

import vastest
from vastest import BUILD, Postgres, Sm, v

SRC = os.environ.get("VAS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
CA_TOOL = os.path.join(SRC, "scripts", "vas-ca.sh")
EACCES = 13


def make_ca(d, name):
    subprocess.run([CA_TOOL, "init", os.path.join(d, name)], check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(d, name)


def make_host(ca, name, *addrs):
    subprocess.run([CA_TOOL, "host", ca, name] + list(addrs), check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(ca, name + ".pem"), os.path.join(ca, name + ".key")


def context(cafile, cert=None):
    ctx = ssl.create_default_context(cafile=cafile)
    if cert:
        ctx.load_cert_chain(*cert)
    return ctx


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("openssl"):
            vastest.skip("openssl missing")
        cls.pg = Postgres()
        cls.dir = tempfile.mkdtemp(prefix="vas-tls-")
        cls.ca = make_ca(cls.dir, "ca")
        cls.other_ca = make_ca(cls.dir, "other")
        cls.sm_cert = make_host(cls.ca, "sm", "127.0.0.1", "localhost")
        cls.admin = make_host(cls.ca, "admin", "127.0.0.1")
        cls.stranger = make_host(cls.other_ca, "stranger", "127.0.0.1")
        cls.sm = Sm(cls.pg, sections={"tls": {
            "ca_file": os.path.join(cls.ca, "ca.pem"),
            "cert_file": cls.sm_cert[0], "key_file": cls.sm_cert[1]}}).start()
        cls.url = "https://127.0.0.1:%d/RPC2" % cls.sm.port

    @classmethod
    def tearDownClass(cls):
        rc = cls.sm.stop()
        cls.pg.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)
        assert rc == 0, "vas_sm exit status %d" % rc

    def proxy(self, cafile, cert=None):
        return xmlrpc.client.ServerProxy(self.url, context=context(cafile, cert))

    def test_python_client_with_certificate_served(self):
        s = self.proxy(os.path.join(self.ca, "ca.pem"), self.admin)
        self.assertEqual(s.listStorageServers(v()), [])
        self.assertGreater(s.registerHeadServer(v(ip_data=["127.0.0.21"])), 0)

    def test_no_client_certificate_refused(self):
        s = self.proxy(os.path.join(self.ca, "ca.pem"))
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            s.registerHeadServer(v(ip_data=["127.0.0.22"]))
        self.assertEqual(cm.exception.faultCode, EACCES)
        self.assertEqual(self.sm.sql("SELECT count(*) FROM ipdata WHERE ip = '127.0.0.22'"), "0")
        self.assertIn("no client certificate of ca_file", self.sm.logtext())

    def test_certificate_of_another_ca_refused(self):
        s = self.proxy(os.path.join(self.ca, "ca.pem"), self.stranger)
        # gnutls may end the handshake itself, or the request gets EACCES
        try:
            s.listStorageServers(v())
        except xmlrpc.client.Fault as f:
            self.assertEqual(f.faultCode, EACCES)
        except (ssl.SSLError, ConnectionError):
            pass
        else:
            self.fail("a certificate of another CA was served")

    def test_client_checks_the_server(self):
        s = self.proxy(os.path.join(self.other_ca, "ca.pem"), self.stranger)
        with self.assertRaises(ssl.SSLCertVerificationError):
            s.listStorageServers(v())

    def test_plain_http_not_served(self):
        c = http.client.HTTPConnection("127.0.0.1", self.sm.port, timeout=10)
        body = xmlrpc.client.dumps((v(),), "listStorageServers")
        try:
            c.request("POST", "/RPC2", body, {"Content-Type": "text/xml"})
            r = c.getresponse()
            self.assertNotEqual(r.status, 200)
        except (ConnectionError, http.client.HTTPException):
            pass
        finally:
            c.close()

    def run_cli(self, cert):
        conf = os.path.join(self.dir, "cli-%s.conf" % os.path.basename(cert[0]))
        with open(conf, "w") as f:
            f.write("[storage_manager]\nhost_list = 127.0.0.1\nport = %d\n" % self.sm.port)
            f.write("[tls]\nca_file = %s\ncert_file = %s\nkey_file = %s\n" % (
                os.path.join(self.ca, "ca.pem"), cert[0], cert[1]))
        return subprocess.run([os.path.join(BUILD, "cli", "hsvr_list"), "--config", conf],
                              capture_output=True, text=True, timeout=60)

    def test_cli_over_tls(self):
        r = self.run_cli(self.admin)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_cli(self.stranger)
        self.assertNotEqual(r.returncode, 0, r.stdout)


if __name__ == "__main__":
    vastest.main()
