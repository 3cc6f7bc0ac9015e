"""The web console: a read-mostly view of state machines, executions, histories and open tasks.

    from stepstone.web.console import ConsoleApp, ConsoleSettings
    api.mount("/console", ConsoleApp(service, settings=ConsoleSettings(require_sign_in=False)))

Server-rendered HTML with one stylesheet and one small optional script; it works without JavaScript.
Reads and acts only through the service layer. Access: `console_allowed` in `security`.
"""

from __future__ import annotations

from stepstone.web.console.app import ConsoleApp, ConsoleService
from stepstone.web.console.security import ConsoleSettings, console_allowed

__all__ = ["ConsoleApp", "ConsoleService", "ConsoleSettings", "console_allowed"]
