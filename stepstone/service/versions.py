"""State machine versions: PublishStateMachineVersion, ListStateMachineVersions, DeleteStateMachineVersion,
and what every operation that takes a qualified ARN (`...:stateMachine:NAME:3`, `...:NAME:PROD`) needs.

A version is an immutable snapshot of a revision; numbers count up per state machine and are never
given out twice. An alias routes to one or two versions (service/aliases.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from stepstone import errors as E
from stepstone.service.base import _SM_ARN, ServiceBase
from stepstone.store.base import StateMachineRow
from stepstone.store.deployments import AliasRow, VersionRow

#: AWS: "You can publish up to 1000 versions for each state machine."
MAX_VERSIONS = 1000
_VERSION_ARN = re.compile(r"^(arn:aws[a-z-]*:states:[^:]+:\d{12}:stateMachine:[^:]+):(\d+)$")
_ALIAS_ARN = re.compile(
    r"^(arn:aws[a-z-]*:states:[^:]+:\d{12}:stateMachine:[^:]+):([A-Za-z0-9_.-]*[A-Za-z_.-][A-Za-z0-9_.-]*)$"
)


def split_qualified(arn: str) -> tuple[str, str | None, str | None]:
    """(machine ARN, version number or None, alias name or None); InvalidArn for anything else."""
    if _SM_ARN.match(arn or ""):
        return arn, None, None
    if match := _VERSION_ARN.match(arn or ""):
        return match.group(1), match.group(2), None
    if match := _ALIAS_ARN.match(arn or ""):
        return match.group(1), None, match.group(2)
    raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")


@dataclass(frozen=True, slots=True)
class Target:
    """What a (possibly qualified) state machine ARN names."""

    machine: StateMachineRow
    version: VersionRow | None = None
    alias: AliasRow | None = None


class VersionOperations(ServiceBase):
    """Publishing, listing and deleting versions; resolving qualified ARNs."""

    async def _target(self, arn: str) -> Target:
        """The machine, version or alias an ARN names; StateMachineDoesNotExist when it names nothing."""
        machine_arn, number, alias_name = split_qualified(arn)
        machine = await self.store.get_state_machine(machine_arn)
        if machine is None:
            raise E.StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
        if number is not None:
            version = await self.store.get_version(arn)
            if version is None:
                raise E.StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
            return Target(machine, version)
        if alias_name is not None:
            alias = await self.store.get_alias(arn)
            if alias is None:
                raise E.StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
            return Target(machine, alias=alias)
        return Target(machine)

    async def _publish(
        self, machine_arn: str, description: str, revision_id: str | None = None
    ) -> VersionRow:
        outcome, row = await self.store.publish_version(
            machine_arn, revision_id, description, self.clock.now(), MAX_VERSIONS
        )
        if outcome == "missing":
            raise E.StateMachineDoesNotExist(f"State Machine Does Not Exist: '{machine_arn}'")
        if outcome == "conflict":
            raise E.ConflictException(
                f"Failed to publish the State Machine version for revision {revision_id}. "
                "The current State Machine revision is different."
            )
        if outcome == "limit":
            raise E.ServiceQuotaExceededException(
                f"Published versions limit of {MAX_VERSIONS} exceeded for state machine '{machine_arn}'. "
                "Delete unused versions with DeleteStateMachineVersion."
            )
        assert row is not None
        return row

    async def publish_state_machine_version(self, request: dict[str, Any]) -> dict[str, Any]:
        arn = request["stateMachineArn"]
        if not _SM_ARN.match(arn or ""):
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        row = await self._publish(arn, request.get("description") or "", request.get("revisionId"))
        return {"creationDate": row.created, "stateMachineVersionArn": row.arn}

    async def list_state_machine_versions(self, request: dict[str, Any]) -> dict[str, Any]:
        machine = await self._machine(request["stateMachineArn"])
        rows, token = self._page(
            await self.store.list_versions(machine.arn), request, f"ListStateMachineVersions {machine.arn}"
        )
        items = [{"stateMachineVersionArn": r.arn, "creationDate": r.created} for r in rows]
        return {"stateMachineVersions": items, **({"nextToken": token} if token else {})}

    async def delete_state_machine_version(self, request: dict[str, Any]) -> dict[str, Any]:
        arn = request["stateMachineVersionArn"]
        if not _VERSION_ARN.match(arn or ""):
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        outcome = await self.store.delete_version(arn)
        if outcome == "referenced":
            machine_arn = split_qualified(arn)[0]
            referencing = [
                a.arn for a in await self.store.list_aliases(machine_arn) if arn in a.version_arns()
            ]
            raise E.ConflictException(
                "Version to be deleted must not be referenced by an alias. "
                f"Current list of aliases referencing this version: {json.dumps(referencing)}"
            )
        return {}  # deleting a version that is not there succeeds, as on AWS
