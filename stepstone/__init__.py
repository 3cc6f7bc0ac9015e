"""stepstone: a durable, self-hosted Amazon States Language engine built around the callback pattern."""

__version__ = "0.1.0"
