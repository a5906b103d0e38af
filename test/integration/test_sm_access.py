"""Who may call what on the manager (issue #18, SECURITY.md): administrative
calls only from admin_peers (default: this host), the agents' calls only
from registered servers, the addresses a server registers with, agent_peers
or admin_peers. Every refusal is fault EACCES (13), logged with the peer,
and changes nothing."""
import vastest
from vastest import SmTestCase, proxy_from, v

EACCES = 13
STRANGER = "127.0.0.9"


class AdminPeersDefault(SmTestCase):
    """No admin_peers: only this host's own addresses (here 127.0.0.1)."""
    n_ssvr = 1

    def test_stranger_refused_local_served(self):
        other = proxy_from(STRANGER, "http://127.0.0.1:%d/RPC2" % self.sm.port)
        self.fault(EACCES, other.shutdownAll, v())
        self.fault(EACCES, other.deleteLogicalVolume, v(lvolname="x"))
        self.assertIn("shutdownAll from %s refused" % STRANGER, self.sm.logtext())
        # this host: the call reaches its rules (ENOENT: no such volume)
        self.fault(2, self.s.deleteLogicalVolume, v(lvolname="x"))

    def test_agents_on_this_hosts_networks_served(self):
        """No agent_peers: agents on a network the manager is directly on
        (here lo's 127.0.0.0/8) register from their management address."""
        other = proxy_from(STRANGER, "http://127.0.0.1:%d/RPC2" % self.sm.port)
        self.assertGreater(other.registerHeadServer(v(ip_data=["127.0.0.21"])), 0)


class AccessTest(SmTestCase):
    n_ssvr = 1

    def sm_options(self):
        return {"admin_peers": "127.0.0.1", "agent_peers": "127.0.0.40/30"}

    def url(self):
        return "http://127.0.0.1:%d/RPC2" % self.sm.port

    def test_admin_calls_refused_and_nothing_done(self):
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sdb",
                                      capacity="21000000"))
        other = proxy_from(STRANGER, self.url())
        for name, arg in [("shutdownAll", v()),
                          ("deleteStorageServer", v(ssvrid=sid)),
                          ("deleteHeadServer", v(hsvrid=1)),
                          ("deletePhysicalDisk", v(pdskid=1)),
                          ("deleteLogicalVolume", v(lvolname="a"))]:
            self.fault(EACCES, getattr(other, name), arg)
            self.assertIn("%s from %s refused" % (name, STRANGER), self.sm.logtext())
        # a malformed call is refused the same way: nothing is read first
        self.fault(EACCES, other.deleteLogicalVolume, {"ver": "junk"})
        self.assertEqual(self.sm.sql("SELECT count(*) FROM ssvrlst"), "1")
        # user calls stay open to every caller (cloud drivers)
        self.assertEqual(len(other.listStorageServers(v())), 1)
        self.assertEqual(other.listLogicalVolumes(v()), [])

    def test_agent_calls_from_strangers_refused(self):
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        other = proxy_from(STRANGER, self.url())
        self.fault(EACCES, other.notifyFailure, v(target=2, targetid=sid))
        self.fault(EACCES, other.registerPhysicalDisk,
                   v(ssvrid=sid, local_path="/dev/sdz", capacity="21000000"))
        self.fault(EACCES, other.notifyBadBlocks, v(pdskid=1, blocks=[1]))
        # registering someone else's addresses from elsewhere
        self.fault(EACCES, other.registerHeadServer, v(ip_data=["127.0.0.21"]))
        self.assertEqual(self.sm.sql("SELECT count(*) FROM hsvrlst"), "0")
        self.assertEqual(self.sm.sql("SELECT count(*) FROM pdsklst"), "0")
        self.assertIn("notifyFailure from %s refused" % STRANGER, self.sm.logtext())
        # the server's status is untouched by the refused notifyFailure
        self.assertEqual(self.sm.sql("SELECT priority FROM ssvrlst"), "1")

    def test_registering_and_registered_agents_served(self):
        agent = proxy_from("127.0.0.11", self.url())
        sid = agent.registerStorageServer(v(ip_data=["127.0.0.11"]))
        self.assertGreater(sid, 0)
        # now a registered server's address: its reporter's calls are served
        pdsk = agent.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sdb",
                                            capacity="21000000"))
        self.assertGreater(pdsk, 0)
        # agent_peers (a management network) may register others
        helper = proxy_from("127.0.0.41", self.url())
        self.assertGreater(helper.registerHeadServer(v(ip_data=["127.0.0.21"])), 0)
        # but a registered agent is no administrator
        self.fault(EACCES, agent.shutdownAll, v())


if __name__ == "__main__":
    vastest.main()
