"""State machine aliases: Create/Describe/List/Update/DeleteStateMachineAlias, and routing by weight.

An alias names one or two versions of its state machine with weights summing to 100. StartExecution
on an alias picks a version from the execution's name (a hash, not a random draw), so the same
name always runs the same version and tests can predict the split.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from stepstone import errors as E
from stepstone.service.versions import VersionOperations, split_qualified
from stepstone.store.deployments import AliasRow, same_alias

#: AWS: "You can create up to 100 aliases for each state machine."
MAX_ALIASES = 100


def route(alias: AliasRow, execution_name: str) -> str:
    """The version an execution of this name runs: its point in [0, 100) falls in one weight's span."""
    digest = hashlib.sha256(f"{alias.arn}\n{execution_name}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") % 100
    routing = json.loads(alias.routing)
    for item in routing:
        if point < item["weight"]:
            return str(item["stateMachineVersionArn"])
        point -= item["weight"]
    return str(routing[-1]["stateMachineVersionArn"])


class AliasOperations(VersionOperations):
    """The alias operations."""

    def _routing(self, machine_arn: str, routing: list[dict[str, Any]]) -> str:
        arns = [item["stateMachineVersionArn"] for item in routing]
        for arn in arns:
            owner, number, _ = split_qualified(arn)
            if number is None:
                raise E.ValidationException(
                    f"Routing configuration must contain state machine version ARNs: {arn}"
                )
            if owner != machine_arn:
                raise E.ValidationException(
                    "Routing configuration must contain versions of the same state machine"
                )
        if len(set(arns)) != len(arns):
            raise E.ValidationException("Routing configuration must contain distinct state machine versions")
        if sum(item["weight"] for item in routing) != 100:
            raise E.ValidationException("Sum of routing configuration weights must be equal to 100")
        return json.dumps(
            [{"stateMachineVersionArn": a, "weight": i["weight"]} for a, i in zip(arns, routing, strict=True)]
        )

    async def _alias(self, arn: str) -> AliasRow:
        _, _, name = split_qualified(arn)
        if name is None:
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        row = await self.store.get_alias(arn)
        if row is None:
            raise E.ResourceNotFound(f"Resource not found: '{arn}'")
        return row

    async def create_state_machine_alias(self, request: dict[str, Any]) -> dict[str, Any]:
        routing = request["routingConfiguration"]
        machine_arn = split_qualified(routing[0]["stateMachineVersionArn"])[0]
        if await self.store.get_state_machine(machine_arn) is None:
            raise E.ResourceNotFound(f"Resource not found: '{machine_arn}'")
        now = self.clock.now()
        row = AliasRow(
            f"{machine_arn}:{request['name']}", machine_arn, request["name"],
            request.get("description") or "", self._routing(machine_arn, routing), now, now,
        )  # fmt: skip
        outcome, stored = await self.store.create_alias(row, MAX_ALIASES)
        if outcome == "no_version":
            raise E.ResourceNotFound(
                f"Resource not found: a version in the routing configuration of '{row.arn}'"
            )
        if outcome == "limit":
            raise E.ServiceQuotaExceededException(
                f"Aliases limit of {MAX_ALIASES} exceeded for state machine '{machine_arn}'"
            )
        assert stored is not None
        if outcome == "existing" and not same_alias(stored, row):
            raise E.ConflictException(f"Alias '{row.arn}' already exists with a different configuration")
        return {"stateMachineAliasArn": stored.arn, "creationDate": stored.created}

    async def describe_state_machine_alias(self, request: dict[str, Any]) -> dict[str, Any]:
        row = await self._alias(request["stateMachineAliasArn"])
        return {
            "stateMachineAliasArn": row.arn, "name": row.name, "description": row.description,
            "routingConfiguration": json.loads(row.routing), "creationDate": row.created,
            "updateDate": row.updated,
        }  # fmt: skip

    async def list_state_machine_aliases(self, request: dict[str, Any]) -> dict[str, Any]:
        arn = request["stateMachineArn"]
        machine_arn, number, alias_name = split_qualified(arn)
        if alias_name is not None:
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        if await self.store.get_state_machine(machine_arn) is None:
            raise E.StateMachineDoesNotExist(f"State Machine Does Not Exist: '{machine_arn}'")
        if number is not None and await self.store.get_version(arn) is None:
            raise E.ResourceNotFound(f"Resource not found: '{arn}'")
        rows = [
            a for a in await self.store.list_aliases(machine_arn) if number is None or arn in a.version_arns()
        ]
        page, token = self._page(rows, request, f"ListStateMachineAliases {arn}")
        items = [{"stateMachineAliasArn": r.arn, "creationDate": r.created} for r in page]
        return {"stateMachineAliases": items, **({"nextToken": token} if token else {})}

    async def update_state_machine_alias(self, request: dict[str, Any]) -> dict[str, Any]:
        row = await self._alias(request["stateMachineAliasArn"])
        if request.get("description") is None and request.get("routingConfiguration") is None:
            raise E.ValidationException(
                "Either the description or the routingConfiguration must be specified"
            )
        routing = request.get("routingConfiguration")
        now = self.clock.now()
        updated = AliasRow(
            row.arn, row.state_machine_arn, row.name,
            row.description if request.get("description") is None else request["description"],
            row.routing if routing is None else self._routing(row.state_machine_arn, routing),
            row.created, now,
        )  # fmt: skip
        if same_alias(row, updated):
            return {"updateDate": row.updated}  # idempotent: nothing changed
        outcome = await self.store.update_alias(updated)
        if outcome == "missing":
            raise E.ResourceNotFound(f"Resource not found: '{row.arn}'")
        if outcome == "no_version":
            raise E.ResourceNotFound(
                f"Resource not found: a version in the routing configuration of '{row.arn}'"
            )
        return {"updateDate": now}

    async def delete_state_machine_alias(self, request: dict[str, Any]) -> dict[str, Any]:
        arn = request["stateMachineAliasArn"]
        if split_qualified(arn)[2] is None:
            raise E.InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        await self.store.delete_alias(arn)
        return {}
