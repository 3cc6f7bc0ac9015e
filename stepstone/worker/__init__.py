"""Activity workers in plain Python, for stepstone and for AWS Step Functions alike.

    from stepstone.worker import Activity, Worker

    def review(request):                      # sync or async; gets the task's input
        if request["amount"] > 1000:
            raise NeedsManager("over the limit")  # -> SendTaskFailure(error="NeedsManager")
        return {"approved": True}             # -> SendTaskSuccess(output=...)

    Worker([Activity(ARN, review, concurrency=16, heartbeat_seconds=60)],
           endpoint_url="http://127.0.0.1:8083").run()   # until SIGTERM / SIGINT

Only the public API is called, through boto3, so pointing the client at AWS changes nothing else.
"""

from stepstone.worker.activity import Activity, ActivityNotFound, resolve_activity
from stepstone.worker.logs import JsonFormatter, task_ref
from stepstone.worker.tasks import STOPPED_ERROR
from stepstone.worker.worker import Worker

__all__ = [
    "STOPPED_ERROR",
    "Activity",
    "ActivityNotFound",
    "JsonFormatter",
    "Worker",
    "resolve_activity",
    "task_ref",
]
