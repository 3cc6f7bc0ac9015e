"""Signed webhooks in: `POST /hooks/<source>`, mounted beside the API, the console and /approve.

    api.mount("/hooks", HooksApp(service))

The edge only reads the body and headers and renders the answer; verification, the replay check
and publishing are `stepstone.service.hooks`. Answers are JSON: 200 with the publish result, 4xx
with the refusal's code and message (which never contains the secret or the expected signature).
"""

from __future__ import annotations

from stepstone.web.hooks.app import HooksApp

__all__ = ["HooksApp"]
