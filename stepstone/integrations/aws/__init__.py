"""AWS service integrations: botocore clients, error naming, optimized and SDK integrations."""
