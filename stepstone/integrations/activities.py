"""Activities: a Task whose Resource is an activity ARN waits for a worker's GetActivityTask.

The durable runtime does not invoke anything for an activity: it queues the task (with its input) in
the store, and the service hands it to the next GetActivityTask poller of that activity.
"""

from __future__ import annotations

import re

ACTIVITY_ARN = re.compile(r"^arn:aws[a-z-]*:states:([^:]*):([^:]*):activity:([A-Za-z0-9_-]{1,80})$")


def is_activity(resource: str) -> bool:
    """True for `arn:aws:states:REGION:ACCOUNT:activity:NAME`."""
    return ACTIVITY_ARN.match(resource) is not None
