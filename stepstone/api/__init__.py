"""The Step Functions HTTP API (AWS JSON 1.0): routing, validation and AWS-shaped errors."""

from stepstone.api.app import DEFAULT_MAX_BODY, ApiApp, make_app
from stepstone.api.auth import ANONYMOUS, ApiRequest, Authenticator, Principal, allow_all, current_principal
from stepstone.api.routing import method_name

__all__ = [
    "ANONYMOUS",
    "DEFAULT_MAX_BODY",
    "ApiApp",
    "ApiRequest",
    "Authenticator",
    "Principal",
    "allow_all",
    "current_principal",
    "make_app",
    "method_name",
]
