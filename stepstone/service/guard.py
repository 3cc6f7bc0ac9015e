"""The callbacks, guarded: throttled against token guessing and recorded in the audit log.

`GuardedCallbacks` wraps SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat of
`CallbackOperations`. Before the token is looked at, a caller (access key, and client address) that
sent too many invalid tokens lately is refused with ThrottlingException. Each call, accepted or
refused, is appended to the audit log with the execution and state its token names (when it names
one) and the reason; the token itself is never recorded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from stepstone import errors as E
from stepstone.service.audit import AuditOperations, Caller, current_caller
from stepstone.service.callbacks import CallbackOperations
from stepstone.service.throttle import TokenThrottle

Callback = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


def throttle_keys(caller: Caller) -> list[str]:
    """The throttle counters a caller's failures count against: its key (if signed) and its address."""
    keys = [f"key:{caller.principal}"] if caller.principal != "anonymous" else []
    if caller.address is not None:
        keys.append(f"addr:{caller.address}")
    return keys or ["anonymous"]


class GuardedCallbacks(AuditOperations, CallbackOperations):
    """The callback operations with brute-force throttling and an audit entry per call."""

    _token_throttle: TokenThrottle | None = None

    @property
    def token_throttle(self) -> TokenThrottle:
        if self._token_throttle is None:
            self._token_throttle = TokenThrottle()
        return self._token_throttle

    @token_throttle.setter
    def token_throttle(self, throttle: TokenThrottle) -> None:
        self._token_throttle = throttle

    async def send_task_success(self, request: dict[str, Any]) -> dict[str, Any]:
        return await self._guarded("SendTaskSuccess", request, super().send_task_success)

    async def send_task_failure(self, request: dict[str, Any]) -> dict[str, Any]:
        return await self._guarded("SendTaskFailure", request, super().send_task_failure)

    async def send_task_heartbeat(self, request: dict[str, Any]) -> dict[str, Any]:
        return await self._guarded("SendTaskHeartbeat", request, super().send_task_heartbeat)

    async def token_target(self, token: object) -> tuple[str | None, str | None]:
        """(execution ARN, state name) a valid token names; (None, None) for an invalid one."""
        if not isinstance(token, str):
            return None, None
        try:
            claims = self.keys.verify(token)
        except ValueError:
            return None, None
        task = await self.store.get_task(claims.execution_arn, claims.task_id)
        return claims.execution_arn, None if task is None else task.state_name

    async def _guarded(self, action: str, request: dict[str, Any], call: Callback) -> dict[str, Any]:
        caller = current_caller()
        keys = throttle_keys(caller)
        now = self.clock.now()
        if self.token_throttle.blocked(keys, now):
            await self.record_audit(
                action, accepted=False, reason="ThrottlingException: too many invalid tokens"
            )
            raise E.ThrottlingException("Rate exceeded: too many invalid task tokens; try again later.")
        execution_arn, state_name = await self.token_target(request.get("taskToken"))
        try:
            result = await call(request)
        except E.ServiceError as error:
            if isinstance(error, E.InvalidToken):
                self.token_throttle.fail(keys, now)
            await self.record_audit(
                action, accepted=False, reason=f"{error.code}: {error.message}",
                execution_arn=execution_arn, state_name=state_name,
            )  # fmt: skip
            raise
        await self.record_audit(
            action, accepted=True, reason="accepted", execution_arn=execution_arn, state_name=state_name
        )
        return result
