"""One API call by its model name (`sqs`, `SendMessage`), parameters cased per the model, off the loop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore import xform_name
from botocore.exceptions import ParamValidationError
from botocore.model import OperationModel, Shape

from stepstone.integrations.aws.clients import AwsClients
from stepstone.integrations.aws.shapes import to_botocore

__all__ = ["ServiceCaller", "UnknownOperation"]


class UnknownOperation(LookupError):
    """The service has no such operation."""


@dataclass(frozen=True, slots=True)
class ServiceCaller:
    """Calls operations through the shared clients; raises botocore's exceptions as they come."""

    clients: AwsClients

    def operation_model(self, service: str, operation: str) -> OperationModel:
        """The model of `operation` (PascalCase, or camelCase as a Resource ARN writes it)."""
        model = self.clients.session.get_service_model(service)
        names = {name.lower(): name for name in model.operation_names}
        name = names.get(operation.lower())
        if name is None:
            raise UnknownOperation(f"The service '{service}' has no operation '{operation}'.")
        return model.operation_model(name)

    async def call(
        self, service: str, operation: str, params: dict[str, Any]
    ) -> tuple[dict[str, Any], Shape | None]:
        """The botocore response of the call and the model of its output."""
        op = self.operation_model(service, operation)
        converted = to_botocore(params, op.input_shape)
        if not isinstance(converted, dict):
            raise ParamValidationError(report="the parameters must be an object")
        response = await self.clients.call(service, xform_name(op.name), converted)
        return response, op.output_shape
