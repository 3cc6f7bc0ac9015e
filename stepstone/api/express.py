"""What a user must know to call StartSyncExecution here: SDKs send it to a `sync-` prefixed host.

botocore's model gives StartSyncExecution and TestState the host prefix `sync-`, so boto3, the AWS CLI
and the JavaScript SDK send them to `sync-127.0.0.1:8083`, a name that does not resolve. Each SDK can be told
not to prefix the host; that is the way that works everywhere.
"""

from __future__ import annotations

SYNC_HELP = (
    "StartSyncExecution and TestState: SDKs send them to a `sync-` prefixed host that does not resolve;"
    " turn the prefix off:"
    " AWS_DISABLE_HOST_PREFIX_INJECTION=true (boto3, AWS CLI),"
    " botocore Config(inject_host_prefix=False), JavaScript SDK v3 `disableHostPrefix: true`."
)


def sync_notice(url: str) -> str:
    """The start-up line about StartSyncExecution for a server at `url`."""
    return f"stepstone: {url}: {SYNC_HELP}"
