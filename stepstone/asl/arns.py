"""Resource ARNs: the partitions AWS accepts, and the one form a service integration is run by.

A service integration may be written with or without a region and account, in any partition:
`arn:aws:states:::lambda:invoke`, `arn:aws:states:us-east-1:123456789012:lambda:invoke` and
`arn:aws-cn:states:::lambda:invoke` name the same integration. `canonical_resource` maps all of
them to the first, so the runtime matches each integration on one string.
"""

from __future__ import annotations

import re

__all__ = ["PARTITION", "canonical_resource"]

#: Every AWS partition: commercial, China, GovCloud and the isolated ones.
PARTITION = r"arn:aws(?:-cn|-us-gov|-iso|-iso-[a-z]|-eusc)?"
# `<partition>:states:<region?>:<account?>:<service>:<action...>`, but not the ARNs of things that
# live in a region (an activity, a state machine), which keep theirs.
_INTEGRATION = re.compile(
    rf"^{PARTITION}:states:[a-z0-9-]*:(?:\d{{12}})?:"
    r"(?!(?:activity|stateMachine|execution|express|mapRun|stateMachineAlias):)(?P<rest>[a-z0-9-]+:.+)$"
)


def canonical_resource(resource: str) -> str:
    """`arn:aws:states:::<service>:<action>[pattern]` for any spelling of a service integration.

    Any other resource (a function or activity ARN, stepstone's own) comes back unchanged.
    """
    match = _INTEGRATION.match(resource)
    if match is None:
        return resource
    return "arn:aws:states:::" + match.group("rest")
