"""The in-memory side of `DeploymentStore` (versions, aliases, dead letters), mixed into `MemoryStore`."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from stepstone.store.base import OutboxRow, StateMachineRow
from stepstone.store.deployments import (
    AliasOutcome,
    AliasRow,
    DeadLetterRow,
    DeleteOutcome,
    PublishOutcome,
    VersionRow,
    publish_check,
)


class MemoryDeployments:
    """Versions, aliases and dead letters in dicts."""

    machines: dict[str, StateMachineRow]
    outbox: dict[int, OutboxRow]

    def __init__(self) -> None:
        self.versions: dict[str, VersionRow] = {}
        self.last_version: dict[str, int] = {}
        self.aliases: dict[str, AliasRow] = {}
        self.dead_letters: list[DeadLetterRow] = []

    def forget_deployments(self, machine_arn: str) -> None:
        """What deleting the state machine takes with it."""
        self.last_version.pop(machine_arn, None)
        for table in (self.versions, self.aliases):
            for arn in [a for a, r in table.items() if r.state_machine_arn == machine_arn]:
                del table[arn]

    async def publish_version(
        self, machine_arn: str, revision_id: str | None, description: str, now: datetime, limit: int
    ) -> tuple[PublishOutcome, VersionRow | None]:
        machine = self.machines.get(machine_arn)
        if machine is None:
            return "missing", None
        versions = await self.list_versions(machine_arn)
        answer = publish_check(
            machine.revision_id, machine.created == machine.updated, revision_id, versions, limit
        )
        if answer is not None:
            return answer
        number = self.last_version[machine_arn] = self.last_version.get(machine_arn, 0) + 1
        row = VersionRow(
            f"{machine_arn}:{number}", machine_arn, number, machine.revision_id, description,
            machine.role_arn, machine.config, now,
        )  # fmt: skip
        self.versions[row.arn] = row
        return "published", row

    async def get_version(self, arn: str) -> VersionRow | None:
        return self.versions.get(arn)

    async def list_versions(self, machine_arn: str) -> list[VersionRow]:
        rows = [v for v in self.versions.values() if v.state_machine_arn == machine_arn]
        return sorted(rows, key=lambda v: v.number, reverse=True)

    async def delete_version(self, arn: str) -> DeleteOutcome:
        found = self.versions.get(arn)
        if found is None:
            return "missing"
        if any(arn in a.version_arns() for a in self.aliases.values()):
            return "referenced"
        del self.versions[arn]
        return "deleted"

    def _routes_to_missing(self, row: AliasRow) -> bool:
        return any(
            arn not in self.versions or self.versions[arn].state_machine_arn != row.state_machine_arn
            for arn in row.version_arns()
        )

    async def create_alias(self, row: AliasRow, limit: int) -> tuple[AliasOutcome, AliasRow | None]:
        existing = self.aliases.get(row.arn)
        if existing is not None:
            return "existing", existing
        if self._routes_to_missing(row):
            return "no_version", None
        if len(await self.list_aliases(row.state_machine_arn)) >= limit:
            return "limit", None
        self.aliases[row.arn] = row
        return "created", row

    async def update_alias(self, row: AliasRow) -> AliasOutcome:
        if row.arn not in self.aliases:
            return "missing"
        if self._routes_to_missing(row):
            return "no_version"
        self.aliases[row.arn] = row
        return "created"

    async def get_alias(self, arn: str) -> AliasRow | None:
        return self.aliases.get(arn)

    async def list_aliases(self, machine_arn: str) -> list[AliasRow]:
        rows = [a for a in self.aliases.values() if a.state_machine_arn == machine_arn]
        return sorted(rows, key=lambda a: (a.created, a.name))

    async def delete_alias(self, arn: str) -> bool:
        return self.aliases.pop(arn, None) is not None

    async def dead_letter(self, outbox_id: int, row: DeadLetterRow) -> None:
        if self.outbox.pop(outbox_id, None) is not None:
            self.dead_letters.append(dataclasses.replace(row, id=len(self.dead_letters) + 1))

    async def list_dead_letters(self, limit: int) -> list[DeadLetterRow]:
        return list(reversed(self.dead_letters))[:limit]
