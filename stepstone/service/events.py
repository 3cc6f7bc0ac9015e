"""What the status-change events left undelivered: the dead letters, for `stepstone events`."""

from __future__ import annotations

from stepstone.service.base import ServiceBase
from stepstone.store.deployments import DeadLetterRow


class EventOperations(ServiceBase):
    """Reading the dead letters of status-change events."""

    async def list_dead_letters(self, limit: int = 100) -> list[DeadLetterRow]:
        """Newest first: events the endpoint never accepted, with the attempts made and the last error."""
        return await self.store.list_dead_letters(limit)
