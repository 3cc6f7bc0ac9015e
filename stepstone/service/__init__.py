"""The Step Functions operations as plain async methods, shared by the API, the CLI and the console.

Each method takes the request (AWS member names) and returns the response (AWS member names,
datetimes for timestamps), or raises a `stepstone.errors.ServiceError`. Operations are grouped in
one module each; `Service` composes the groups over one store and one runtime worker.

Callbacks (SendTaskSuccess/Failure) differ from AWS in one promised way: the *same* call repeated
after it was accepted is accepted again and changes nothing (AWS answers TaskTimedOut). A different
result for a closed task is TaskTimedOut, saying it was already completed.
"""

from __future__ import annotations

from stepstone.service.activities import ActivityOperations
from stepstone.service.address import AddressOperations
from stepstone.service.aliases import AliasOperations
from stepstone.service.approval_timers import ApprovalTimerOperations
from stepstone.service.base import MAX_PAYLOAD, ServiceBase, now_or
from stepstone.service.clock import ClockOperations
from stepstone.service.events import EventOperations
from stepstone.service.executions import ExecutionOperations
from stepstone.service.guard import GuardedCallbacks
from stepstone.service.hooks import HookOperations
from stepstone.service.keys import KeyOperations
from stepstone.service.machines import MachineOperations
from stepstone.service.map_runs import MapRunOperations
from stepstone.service.tags import TagOperations
from stepstone.service.tasks import TaskViews
from stepstone.service.testing import StateTestOperations
from stepstone.service.users import UserOperations

__all__ = ["MAX_PAYLOAD", "Service", "ServiceBase", "now_or"]


class Service(
    ApprovalTimerOperations,
    UserOperations,
    MachineOperations,
    MapRunOperations,
    AliasOperations,
    ExecutionOperations,
    ActivityOperations,
    GuardedCallbacks,
    AddressOperations,
    HookOperations,
    TagOperations,
    TaskViews,
    KeyOperations,
    StateTestOperations,
    ClockOperations,
    EventOperations,
):
    """Every operation of the API over one store and one runtime worker."""
