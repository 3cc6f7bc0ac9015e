"""The approval pages: sign in, see a request you are an approver of, approve or reject it.

    from stepstone.web.approve import ApprovalApp
    from stepstone.web.auth import WebAuthSettings
    api.mount("/approve", ApprovalApp(service, WebAuthSettings(trusted_proxies=("10.0.0.0/8",))))

Plain HTML forms that work without JavaScript; everything goes through the service layer.
"""

from __future__ import annotations

from stepstone.web.approve.app import ApprovalApp

__all__ = ["ApprovalApp"]
