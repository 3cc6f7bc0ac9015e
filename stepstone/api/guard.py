"""The API's guard: SigV4 authentication against stepstone's access keys, then least privilege.

`SigV4Authenticator(service, always=...)` is an `Authenticator` (see `stepstone.api.auth`):

- While no access key exists and `always` is False (a loopback-only server), requests are served
  as the anonymous principal and their signatures are not checked: any credentials work, as with a
  local emulator.
- Otherwise every request must be signed (SigV4, service `states`, any region) with an active key;
  the key must allow the operation (`allow`: names or patterns such as `SendTask*`) and, when it is
  scoped to state machines, every state machine the request names (directly, through an execution
  ARN, or through the execution a task token belongs to) must be one of them. A scoped key may not
  call operations that name no state machine (ListStateMachines, CreateActivity, ...).

Refused callbacks are written to the audit log like accepted ones. The caller (key id and client
address) is handed to the service with `set_caller` for the audit log and the token throttle.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
from typing import Any

from stepstone.api import sigv4
from stepstone.api.auth import ANONYMOUS, ApiRequest, Principal
from stepstone.errors import AccessDeniedException, ServiceError, UnrecognizedClientException
from stepstone.service import Service
from stepstone.service.audit import Caller, set_caller
from stepstone.service.keys import AccessKeyRow, state_machine_of

CALLBACKS = frozenset({
    "SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat",
    "SucceedTaskByAddress", "FailTaskByAddress", "HeartbeatTaskByAddress",
})  # fmt: skip
#: Request members that name a resource of (or under) a state machine.
_ARN_MEMBERS = ("stateMachineArn", "executionArn", "resourceArn")


def allows(key: AccessKeyRow, operation: str) -> bool:
    """Whether the key's `allow` list names `operation` (exactly or by a `*` pattern)."""
    return any(fnmatch.fnmatchcase(operation, pattern) for pattern in key.allow)


class SigV4Authenticator:
    """Verifies SigV4 signatures made with stepstone access keys and enforces their scope."""

    def __init__(self, service: Service, *, always: bool = False) -> None:
        self.service = service
        self.always = always

    async def required(self) -> bool:
        """Whether requests must be signed: `always`, or once any access key exists (it latches, as
        keys are revoked, never deleted)."""
        if not self.always and await self.service.has_access_keys():
            self.always = True
        return self.always

    async def __call__(self, request: ApiRequest) -> Principal:
        set_caller(Caller("anonymous", request.client))
        if not await self.required():
            return ANONYMOUS
        key_id = "anonymous"
        try:
            signature = sigv4.parse(request)
            key_id = signature.key_id
            sigv4.check_date(signature, self.service.wall_clock().now())  # a virtual clock may be a year on
            found = await self.service.signing_secret(signature.key_id)
            if found is None:
                raise UnrecognizedClientException()
            key, secret = found
            sigv4.verify(request, signature, secret)
            set_caller(Caller(key.key_id, request.client))
            if request.operation is not None:
                self._authorize(key, request)
        except ServiceError as error:
            if request.operation in CALLBACKS:
                caller = Caller(key_id, request.client)  # the key id claimed, verified or not
                await self.service.record_audit(
                    request.operation, accepted=False, reason=f"{error.code}: {error.message}", caller=caller
                )
            raise
        return Principal(key.key_id)

    def _authorize(self, key: AccessKeyRow, request: ApiRequest) -> None:
        operation = request.operation
        assert operation is not None
        if not allows(key, operation):
            raise _denied(key, operation, "*")
        if not key.state_machines:
            return
        named = self._state_machines_named(request.body)
        if named is None:
            raise _denied(key, operation, "*")
        for arn in named:
            if arn not in key.state_machines:
                raise _denied(key, operation, arn)

    def _state_machines_named(self, body: bytes) -> set[str] | None:
        """The state machines a request touches; None when it names none (or cannot be read)."""
        try:
            document: Any = json.loads(body) if body.strip() else {}
        except ValueError:
            return None
        if not isinstance(document, dict):
            return None
        named: set[str] = set()
        for member in _ARN_MEMBERS:
            value = document.get(member)
            if isinstance(value, str):
                # An ARN that names no state machine (an activity) is outside any scope: "" never matches.
                named.add(state_machine_of(value) or "")
        token = document.get("taskToken")
        if isinstance(token, str):
            machine = self.service.state_machine_of_token(token)
            if machine is not None:
                named.add(machine)
            # An invalid token names nothing: the callback answers InvalidToken (throttled, audited).
            elif not named:
                return set()
        return named or None


def _denied(key: AccessKeyRow, operation: str, resource: str) -> ServiceError:
    return AccessDeniedException(
        f"User: {key.key_id} ({key.name}) is not authorized to perform: states:{operation} on resource: "
        f"{resource} because no identity-based policy allows the states:{operation} action"
    )


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or "localhost") is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def binding_notice(host: str, port: int, *, has_keys: bool, insecure: bool) -> tuple[bool, str]:
    """Whether the server may listen on `host` as configured, and what it says at start-up about it.

    Secure by default: without access keys, only a loopback address is served; another address
    needs keys, or the explicit `--insecure-no-auth`.
    """
    where = f"http://{host}:{port}"
    if has_keys:
        return (
            True,
            f"stepstone: {where}: every API request must be signed (SigV4) with a stepstone access key.",
        )
    if is_loopback(host):
        return True, (
            f"stepstone: {where}: no access keys, so requests are NOT authenticated and only this machine"
            " (loopback) is served. Create a key with `stepstone keys create` to require signed requests."
        )
    if insecure:
        banner = "!" * 100
        return True, (
            f"{banner}\nstepstone: WARNING: serving {where} WITHOUT AUTHENTICATION (--insecure-no-auth).\n"
            "Anyone who can reach this port can start, stop and complete your workflows.\n"
            f"Create access keys (`stepstone keys create`) and restart without the flag.\n{banner}"
        )
    return False, (
        f"stepstone: refusing to serve {where} without authentication: no access keys are configured.\n"
        "Create one with `stepstone keys create --db <file> --name <name> --allow '*'`, serve a loopback"
        " address (the default, 127.0.0.1), or pass --insecure-no-auth if you really mean it."
    )
