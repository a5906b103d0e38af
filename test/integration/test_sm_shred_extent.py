"""A shred's DONE is matched to its extent, not only to its event id
(issue #18): the manager names the extent in every getEventStatus of a
shred, so that a storage agent holding an old DONE under an id the counter
reused answers NONE instead of freeing an extent nobody zeroed (the agent
side: test_ssvr_agent, test_shred_done_matched)."""
import vastest
from vastest import SmTestCase


class ShredExtentTest(SmTestCase):
    n_ssvr = 1

    def test_every_poll_names_its_extent(self):
        self.cluster()
        agent = self.ssvrs[0]
        sent = {p["eventid"]: p for p in agent.called("registerShredRequest")}
        polls = agent.called("getEventStatus")
        self.assertTrue(sent and polls)
        for p in polls:
            req = sent[p["eventid"]]
            self.assertEqual((p["dextid"], p["pdskid"], p["offset"], p["capacity"]),
                             (req["dextid"], req["pdskid"], req["offset"], req["capacity"]),
                             p)


if __name__ == "__main__":
    vastest.main()
