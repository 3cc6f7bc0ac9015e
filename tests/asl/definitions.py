"""Realistic definitions, written the way AWS's documentation and users write them. Each one is valid."""

from __future__ import annotations

from typing import Any

#: The callback-pattern approval machine from an article about `.waitForTaskToken`, with its `//` note.
APPROVAL_WITH_COMMENT = """{
  "Comment": "Wait for a human to approve something.",
  "StartAt": "GetApproval",
  "States": {
    "GetApproval": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
      "Parameters": {
        "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:sendApprovalEmail",
        "Payload": {
          "taskToken.$": "$$.Task.Token", // <-- This is the crucial part
          "requestId.$": "$.requestId",
          "approvalPage": "https://myapp.com/approve"
        }
      },
      "Next": "ApprovalReceived"
    },
    "ApprovalReceived": {
      "Type": "Pass",
      "End": true
    }
  }
}
"""

ORDER_PIPELINE: dict[str, Any] = {
    "Comment": "Validate, charge, fan out fulfilment, wait for a human when the order is large.",
    "StartAt": "Validate",
    "TimeoutSeconds": 86400,
    "States": {
        "Validate": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:eu-west-1:123456789012:function:validate-order",
            "ResultPath": "$.validation",
            "Retry": [
                {
                    "ErrorEquals": ["Lambda.ServiceException"],
                    "IntervalSeconds": 2,
                    "MaxAttempts": 6,
                    "BackoffRate": 2,
                    "MaxDelaySeconds": 60,
                    "JitterStrategy": "FULL",
                },
                {"ErrorEquals": ["States.ALL"], "MaxAttempts": 1},
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Rejected"}],
            "Next": "IsLarge",
        },
        "IsLarge": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.total", "NumericGreaterThanEquals": 1000},
                        {"Not": {"Variable": "$.customer.vip", "BooleanEquals": True}},
                    ],
                    "Next": "AskApproval",
                },
                {"Variable": "$.total", "NumericLessThanPath": "$.limits.max", "Next": "Fulfil"},
            ],
            "Default": "Rejected",
        },
        "AskApproval": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/approvals",
                "MessageBody": {"token.$": "$$.Task.Token", "summary.$": "States.Format('Order {}', $.id)"},
            },
            "TimeoutSeconds": 604800,
            "HeartbeatSeconds": 3600,
            "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Rejected"}],
            "Next": "Fulfil",
        },
        "Fulfil": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "Ship",
                    "States": {
                        "Ship": {"Type": "Task", "Resource": "arn:stepstone:function:ship", "End": True}
                    },
                },
                {
                    "StartAt": "Lines",
                    "States": {
                        "Lines": {
                            "Type": "Map",
                            "ItemsPath": "$.lines",
                            "MaxConcurrency": 5,
                            "ItemSelector": {"line.$": "$$.Map.Item.Value", "order.$": "$.id"},
                            "ItemProcessor": {
                                "ProcessorConfig": {"Mode": "INLINE"},
                                "StartAt": "Reserve",
                                "States": {
                                    "Reserve": {
                                        "Type": "Task",
                                        "Resource": "arn:aws:states:::dynamodb:putItem",
                                        "Parameters": {"TableName": "stock", "Item": {}},
                                        "End": True,
                                    }
                                },
                            },
                            "End": True,
                        }
                    },
                },
            ],
            "ResultSelector": {"shipment.$": "$[0]", "reservations.$": "$[1]"},
            "Next": "Settle",
        },
        "Settle": {"Type": "Wait", "Seconds": 5, "Next": "Done"},
        "Done": {"Type": "Succeed"},
        "Rejected": {"Type": "Fail", "Error": "OrderRejected", "CausePath": "$.error.Cause"},
    },
}

JSONATA_MACHINE: dict[str, Any] = {
    "QueryLanguage": "JSONata",
    "StartAt": "Price",
    "States": {
        "Price": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": "price", "Payload": "{% $states.input %}"},
            "Assign": {"total": "{% $states.result.Payload.total %}"},
            "Output": "{% $states.result.Payload %}",
            "TimeoutSeconds": "{% $states.input.timeout %}",
            "Catch": [
                {"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "Failed"}
            ],
            "Next": "Route",
        },
        "Route": {
            "Type": "Choice",
            "Choices": [{"Condition": "{% $total > 100 %}", "Next": "Wait"}],
            "Default": "Done",
        },
        "Wait": {"Type": "Wait", "Seconds": "{% $total %}", "Next": "Done"},
        "Done": {"Type": "Succeed", "Output": {"total": "{% $total %}"}},
        "Failed": {"Type": "Fail", "Error": "PriceFailed", "Cause": "{% $states.input.reason %}"},
    },
}

#: A JSONPath machine with one state switched to JSONata, as the AWS console offers to do.
MIXED_MACHINE: dict[str, Any] = {
    "StartAt": "Legacy",
    "States": {
        "Legacy": {"Type": "Pass", "Parameters": {"id.$": "$.id"}, "ResultPath": "$.copy", "Next": "Modern"},
        "Modern": {
            "Type": "Pass",
            "QueryLanguage": "JSONata",
            "Output": "{% $states.input.copy %}",
            "End": True,
        },
    },
}

YAML_MACHINE = """\
Comment: A definition written in YAML
StartAt: Hold
States:
  Hold:
    Type: Wait
    Timestamp: 2026-01-01T00:00:00Z
    Next: Finish
  Finish:
    Type: Pass
    End: true
"""

VALID: dict[str, dict[str, Any]] = {
    "order_pipeline": ORDER_PIPELINE,
    "jsonata_machine": JSONATA_MACHINE,
    "mixed_machine": MIXED_MACHINE,
}
