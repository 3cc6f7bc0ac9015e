"""TagResource, UntagResource and ListTagsForResource."""

from __future__ import annotations

from typing import Any

from stepstone import errors as E
from stepstone.service.base import (
    ServiceBase,
)


class TagOperations(ServiceBase):
    """TagResource, UntagResource and ListTagsForResource."""

    # tags -------------------------------------------------------------------------------------------

    async def tag_resource(self, request: dict[str, Any]) -> dict[str, Any]:
        await self._resource(request["resourceArn"])
        tags = {t["key"]: t.get("value", "") for t in request.get("tags", [])}
        existing = await self.store.tags(request["resourceArn"])
        if len({**existing, **tags}) > 50:
            raise E.TooManyTags("Too many tags: the limit is 50")
        await self.store.tag(request["resourceArn"], tags)
        return {}

    async def untag_resource(self, request: dict[str, Any]) -> dict[str, Any]:
        await self._resource(request["resourceArn"])
        await self.store.untag(request["resourceArn"], request.get("tagKeys", []))
        return {}

    async def list_tags_for_resource(self, request: dict[str, Any]) -> dict[str, Any]:
        await self._resource(request["resourceArn"])
        tags = await self.store.tags(request["resourceArn"])
        return {"tags": [{"key": k, "value": v} for k, v in tags.items()]}
