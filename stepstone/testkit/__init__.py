"""stepstone's test kit: a real server in the test process on a virtual clock, and the pytest plugin.

    def test_approval(stepstone):
        arn = stepstone.create("approval", definition)
        run = stepstone.start(arn, {"requestId": "r1"})
        stepstone.advance("1d")
        stepstone.assert_path(run, ["GetApproval", "ApprovalTimedOut"])

The plugin (`stepstone.testkit.plugin`) is registered through the `pytest11` entry point.
"""

from stepstone.testkit.helpers import Stepstone, WaitingTask
from stepstone.testkit.server import TestServer, free_port

__all__ = ["Stepstone", "TestServer", "WaitingTask", "free_port"]
