"""What deploying keeps besides state machines: published versions, aliases, undeliverable events.

A version is an immutable snapshot of a state machine's revision (its definition stays in the
revision table, keyed by the revision id); an alias routes executions to one or two versions by
weight. Both go with their state machine when it is deleted. A dead letter is a status-change event
the configured endpoint never accepted; it is written in the transaction that forgets its outbox row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

PublishOutcome = Literal["published", "existing", "conflict", "limit", "missing"]
AliasOutcome = Literal["created", "existing", "conflict", "limit", "missing", "no_version"]
DeleteOutcome = Literal["deleted", "missing", "referenced"]


@dataclass(frozen=True, slots=True)
class VersionRow:
    """A published version: the machine's revision, role and configuration when it was published."""

    arn: str
    state_machine_arn: str
    number: int
    revision_id: str
    description: str
    role_arn: str
    config: str  # JSON: loggingConfiguration, tracingConfiguration, encryptionConfiguration
    created: datetime


@dataclass(frozen=True, slots=True)
class AliasRow:
    """An alias: `routing` is the routingConfiguration as JSON text."""

    arn: str
    state_machine_arn: str
    name: str
    description: str
    routing: str
    created: datetime
    updated: datetime

    def version_arns(self) -> list[str]:
        return [str(item["stateMachineVersionArn"]) for item in json.loads(self.routing)]


@dataclass(frozen=True, slots=True)
class DeadLetterRow:
    """A status-change event given up on after its attempts, with the last reason it failed."""

    id: int
    execution_arn: str
    event: str
    attempts: int
    error: str
    at: datetime


def same_alias(a: AliasRow, b: AliasRow) -> bool:
    """AWS's idempotency check for CreateStateMachineAlias: description and routing alike."""
    return a.description == b.description and _routing(a) == _routing(b)


def _routing(row: AliasRow) -> Any:
    return sorted((i["stateMachineVersionArn"], i["weight"]) for i in json.loads(row.routing))


class DeploymentStore(Protocol):
    """Versions, aliases and dead letters. Each method is one transaction."""

    async def publish_version(
        self, machine_arn: str, revision_id: str | None, description: str, now: datetime, limit: int
    ) -> tuple[PublishOutcome, VersionRow | None]:
        """Publish the machine's current revision as the next number, or return the version that
        already holds it ("existing"); "conflict" when `revision_id` is not the current one."""
        ...

    async def get_version(self, arn: str) -> VersionRow | None: ...
    async def list_versions(self, machine_arn: str) -> list[VersionRow]:
        """Newest first."""
        ...

    async def delete_version(self, arn: str) -> DeleteOutcome:
        """Delete unless an alias routes to it ("referenced")."""
        ...

    async def create_alias(self, row: AliasRow, limit: int) -> tuple[AliasOutcome, AliasRow | None]:
        """Insert; an alias of that ARN already there is "existing" (the caller compares)."""
        ...

    async def update_alias(self, row: AliasRow) -> AliasOutcome: ...
    async def get_alias(self, arn: str) -> AliasRow | None: ...
    async def list_aliases(self, machine_arn: str) -> list[AliasRow]: ...
    async def delete_alias(self, arn: str) -> bool: ...

    async def dead_letter(self, outbox_id: int, row: DeadLetterRow) -> None:
        """Record the undeliverable event and forget its outbox row, together."""
        ...

    async def list_dead_letters(self, limit: int) -> list[DeadLetterRow]: ...


def publish_check(
    current_revision: str,
    never_updated: bool,
    requested: str | None,
    versions: list[VersionRow],
    limit: int,
) -> tuple[PublishOutcome, VersionRow | None] | None:
    """What PublishStateMachineVersion answers without publishing, or None to publish the next number.

    `requested` "INITIAL" names the first revision, the one a machine has until its first update.
    """
    if (
        requested is not None
        and requested != current_revision
        and not (requested == "INITIAL" and never_updated)
    ):
        return "conflict", None
    for version in versions:
        if version.revision_id == current_revision:
            return "existing", version
    if len(versions) >= limit:
        return "limit", None
    return None
