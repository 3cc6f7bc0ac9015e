"""Errors raised by the protocol edge itself, before or around the service call.

ServiceError (stepstone.errors)
  ├── SerializationException   body is not JSON, or a member has the wrong JSON type
  ├── RequestEntityTooLarge    body over the size limit, rejected before it is parsed (413)
  ├── ServiceUnavailable       server shutting down while the call was in flight (503)
  └── InternalFailure          anything unexpected; details are logged, never sent (500)
"""

from __future__ import annotations

from stepstone.errors import ServiceError


class SerializationException(ServiceError):
    """The request body could not be deserialized."""

    code = "SerializationException"


class RequestEntityTooLarge(ServiceError):
    """Request size exceeds the limit."""

    code = "RequestEntityTooLargeException"
    status = 413


class ServiceUnavailable(ServiceError):
    """The server is shutting down; retry the request."""

    code = "ServiceUnavailable"
    status = 503


class InternalFailure(ServiceError):
    """The request processing has failed because of an unknown error, exception or failure."""

    code = "InternalFailure"
    status = 500
