"""The composition root: one `Config` -> store, integrations, worker, service, ASGI app; uvicorn serves it."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable, MutableMapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from stepstone.api import make_app
from stepstone.api.app import ApiApp
from stepstone.api.express import sync_notice
from stepstone.api.guard import SigV4Authenticator, binding_notice, is_loopback
from stepstone.config import ApprovalSettings, Config, approval_settings, load_token_keys
from stepstone.engine.tokens import KeyRing
from stepstone.errors import ServiceError
from stepstone.integrations.approvals import ApprovalIntegration
from stepstone.integrations.aws.registry import AwsIntegrations
from stepstone.integrations.base import Registry
from stepstone.integrations.email import SmtpMailer, SmtpSettings
from stepstone.integrations.functions import FunctionIntegration
from stepstone.integrations.http import HttpIntegration
from stepstone.integrations.map_runs import MapRunIntegration
from stepstone.integrations.messages import MessageWaitIntegration
from stepstone.integrations.mock_config import MockConfig
from stepstone.integrations.mock_services import MockedServices
from stepstone.integrations.s3_objects import S3Objects
from stepstone.integrations.states import NestedExecutions
from stepstone.integrations.status_events import EventDelivery, EventEndpoint
from stepstone.runtime.clock import Clock, SystemClock, virtual_clock
from stepstone.runtime.retention import Retention
from stepstone.runtime.worker import Worker
from stepstone.service import Service
from stepstone.service.approval_timers import approval_timer_loop
from stepstone.service.health import Health
from stepstone.service.hooks import load_hooks
from stepstone.service.keys import MASTER_ENV, load_access_master
from stepstone.service.messages import message_delivery
from stepstone.service.throttle import TokenThrottle
from stepstone.store.base import Store
from stepstone.store.memory import MemoryStore
from stepstone.store.sqlite import SqliteStore
from stepstone.web.approve import ApprovalApp
from stepstone.web.auth import WebAuth, WebAuthSettings
from stepstone.web.console import ConsoleApp, ConsoleSettings
from stepstone.web.hooks import HooksApp
from stepstone.web.ops import PATHS as OPS_PATHS
from stepstone.web.ops import OpsApp

log = logging.getLogger("stepstone.app")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@dataclass(slots=True)
class Server:
    """Everything one `stepstone serve` process runs."""

    config: Config
    store: Store
    worker: Worker
    service: Service
    api: ApiApp
    health: Health


def open_store(config: Config) -> Store:
    """The store the configuration names: PostgreSQL (a DSN), a SQLite file, or memory."""
    if config.dsn is not None:
        from stepstone.store.postgres import PostgresStore  # psycopg is an optional dependency

        return PostgresStore(config.dsn, lease_seconds=config.lease_seconds)
    return SqliteStore(config.db) if config.db is not None else MemoryStore()


def wake_on_notify(store: Store, worker: Worker) -> None:
    """Nodes sharing a store wake each other: new work wakes the worker, any other key a long poll."""
    listen = getattr(store, "listen", None)
    if listen is None:
        return

    def on_notify(key: str) -> None:
        # only "work" concerns the worker (debounced: every commit on every node sends one); the other
        # keys wake long polls and waiters for a finished execution
        if key == "work":
            worker.nudge()
        else:
            worker.signals.notify(key)

    listen(on_notify)


def build(config: Config) -> Server:
    store = open_store(config)
    raw = load_token_keys(config)
    keys = KeyRing(raw.keys, raw.active)
    registry = Registry()
    functions = list(config.functions)
    if config.examples:  # the examples' state machines call the examples' functions
        functions += sorted(p for p in EXAMPLES.glob("*/functions.py") if p not in functions)
    aws = AwsIntegrations.from_env(config.region)
    # Lambda ARNs that name no loaded function go to the Lambda Invoke API at the configured endpoint.
    FunctionIntegration.from_files(
        functions, region=config.region, account=config.account, remote=aws.lambdas
    ).register_into(registry)
    clock: Clock = virtual_clock() if config.clock == "virtual" else SystemClock()
    worker = Worker(store, registry, keys, clock=clock, poll_seconds=5.0 if config.dsn else None)
    mocks = MockConfig.from_env(config.mock_config)  # a mistake in the file stops the start here
    worker.mocks = MockedServices(mocks, store) if mocks is not None else None
    wake_on_notify(store, worker)
    if config.events is not None:
        e = config.events
        worker.events = EventDelivery(EventEndpoint(e.url, e.secret.encode(), e.attempts, e.backoff))
    service = Service(store, worker, keys, clock, region=config.region, account=config.account)
    # Nested executions start and stop children through the service, like StartExecution does.
    NestedExecutions(service.start_nested, service.stop_execution, store).register_into(registry)
    HttpIntegration().register_into(registry)
    approvals = approval_settings(config)
    mail = approval_integration(config, approvals, store)
    mail.register_into(registry)
    service.use_approval_mail(mail)
    MessageWaitIntegration(store, message_delivery, clock.now).register_into(registry)
    aws.register_into(registry)  # SQS, SNS, DynamoDB, EventBridge, aws-sdk:* through botocore
    # Distributed Map: S3 item readers and result writers, child executions through the service.
    MapRunIntegration(
        store, S3Objects(aws.clients), service.start_nested, service.stop_map_run_children
    ).register_into(registry)
    service.use_access_master(load_access_master(config.key_dir))
    service.token_throttle = TokenThrottle(config.invalid_token_limit)
    service.activity_visibility = timedelta(seconds=config.activity_visibility_seconds)
    # Off loopback without --insecure-no-auth, signatures are required even if every key is revoked.
    authenticator = SigV4Authenticator(
        service, always=not is_loopback(config.host) and not config.insecure_no_auth
    )
    api = make_app(service, authenticator=authenticator)
    web_auth = WebAuth(service, web_auth_settings(approvals))
    api.mount("/console", ConsoleApp(service, settings=console_settings(authenticator, web_auth)))
    api.mount("/approve", ApprovalApp(service, web_auth_settings(approvals)))
    if config.hooks is not None:
        service.use_hooks(load_hooks(config.hooks))
    api.mount("/hooks", HooksApp(service))
    health = Health(store, worker, clock)
    for path in OPS_PATHS:  # /metrics, /healthz, /readyz
        api.mount(path, OpsApp(health))
    return Server(config, store, worker, service, api, health)


#: The group of local users allowed the console once the API requires credentials.
CONSOLE_GROUP = "console"


def console_settings(authenticator: SigV4Authenticator, web_auth: WebAuth) -> ConsoleSettings:
    """The console is as open as the API; once the API requires credentials (asked per request: the
    first access key locks it), only a signed-in member of the `console` group may use it."""

    async def signed_in(scope: MutableMapping[str, Any]) -> bool:
        viewer = (await web_auth.identify(scope)).viewer
        return viewer is not None and CONSOLE_GROUP in viewer.groups

    return ConsoleSettings(
        require_sign_in=authenticator.required,
        signed_in=signed_in,
        sign_in_url="/approve/sign-in?next=/console/",
    )


def approval_integration(config: Config, settings: ApprovalSettings, store: Store) -> ApprovalIntegration:
    """The approval:request integration, e-mailing through the configured SMTP server."""
    smtp = SmtpSettings(
        host=settings.smtp_host, port=settings.smtp_port,
        security="tls" if settings.smtp_security == "tls" else
        "starttls" if settings.smtp_security == "starttls" else "none",
        username=settings.smtp_username, password=settings.smtp_password, sender=settings.mail_from,
    )  # fmt: skip
    public_url = settings.public_url or f"http://{config.host}:{config.port}"
    return ApprovalIntegration(
        store, SmtpMailer(smtp), public_url, attempts=settings.smtp_attempts, backoff=settings.smtp_backoff
    )


def web_auth_settings(settings: ApprovalSettings) -> WebAuthSettings:
    return WebAuthSettings(
        trusted_proxies=settings.trusted_proxies,
        user_header=settings.proxy_user_header,
        secure_cookies=settings.secure_cookies,
    )


async def load_examples(service: Service, folder: Path = EXAMPLES) -> int:
    """Create (or keep) a state machine for each definition under examples/; returns how many loaded."""
    loaded = 0
    for path in sorted([*folder.rglob("*.asl.json"), *folder.rglob("*.asl.yaml")]):
        name = path.name.split(".")[0]
        try:
            await service.create_state_machine({"name": name, "definition": path.read_text()})
            loaded += 1
        except ServiceError as exc:
            log.warning("example %s not loaded: %s", path.name, exc.message)
    return loaded


@contextlib.asynccontextmanager
async def running(server: Server) -> AsyncIterator[asyncio.Task[None]]:
    """Open the store, recover, run the worker; stop it all on exit."""
    await server.store.open()
    if server.config.examples:
        await load_examples(server.service)
    task = asyncio.create_task(server.worker.run_forever(), name="stepstone-worker")
    timers = asyncio.create_task(approval_timer_loop(server.service), name="stepstone-approval-timers")
    keep = server.config.retention_seconds
    pruning = Retention(server.store, server.worker.clock, timedelta(seconds=keep)) if keep else None
    retention = asyncio.create_task(pruning.run_forever(), name="stepstone-retention") if pruning else None
    try:
        yield task
    finally:
        if pruning is not None:
            pruning.stop()
        timers.cancel()
        await stop_gracefully(server, [t for t in (task, retention) if t is not None])


async def stop_gracefully(server: Server, loops: list[asyncio.Task[None]]) -> None:
    """Not ready any more, long polls answered, the round in flight finished, leases let go; each wait
    bounded by `shutdown_seconds` (a cancel that lands inside the database driver may be swallowed)."""
    server.health.draining = True
    server.worker.signals.close()
    await server.worker.stop()  # the loop ends after its round; commands in flight stay queued
    bound = server.config.shutdown_seconds
    _, late = await asyncio.wait(loops, timeout=bound)
    for loop_task in late:
        log.warning("%s did not end within %.0f s; cancelling it", loop_task.get_name(), bound)
        loop_task.cancel()
    if late:
        await asyncio.wait(late, timeout=bound)
    await server.worker.stop()  # and any command the last round started
    server.worker.signals.cancel_all()
    await server.service.confirm_hand_outs()  # activity tasks answered but not yet confirmed
    await server.store.close()  # PostgreSQL: this node's leases go now, not when they run out


async def serve(config: Config) -> None:
    if config.dsn is not None and config.data_dir is None and not os.environ.get("STEPSTONE_TOKEN_KEYS"):
        # a token minted on one node is verified on another: every node needs the same keys
        raise SystemExit(
            "stepstone: nodes sharing PostgreSQL need shared token keys: set STEPSTONE_TOKEN_KEYS"
        )
    server = build(config)
    async with running(server):
        has_keys = await server.service.has_access_keys()
        if has_keys and config.dsn is not None and config.data_dir is None and not os.environ.get(MASTER_ENV):
            # access keys made by one node (or the CLI) must verify on every node, and after a restart
            raise SystemExit(
                f"stepstone: access keys on PostgreSQL need a shared master key: set {MASTER_ENV}"
            )
        allowed, notice = binding_notice(
            config.host, config.port, has_keys=has_keys, insecure=config.insecure_no_auth
        )
        sync = sync_notice(f"http://{config.host}:{config.port}")
        if server.config.log_format == "json":  # every line of stderr a JSON object
            log.warning("%s", notice)
            log.warning("%s", sync)
        else:
            print(notice, file=sys.stderr, flush=True)
            print(sync, file=sys.stderr, flush=True)
        if not allowed:
            raise SystemExit(2)
        uv = GracefulServer(
            uvicorn.Config(
                server.api, host=config.host, port=config.port, log_level="warning", lifespan="off",
                timeout_graceful_shutdown=max(1, round(config.shutdown_seconds)), log_config=None,
            ),
            on_exit=lambda: drain(server),
        )  # fmt: skip
        print(json.dumps({"listening": f"http://{config.host}:{config.port}"}), flush=True)
        settle_heap()
        await uv.serve()


def settle_heap() -> None:
    """What start-up built lives as long as the process: keep the cyclic collector from walking it.

    Everything imported and loaded by now (botocore's service models alone are hundreds of thousands
    of objects) would otherwise be traversed by every full collection while the worker runs; frozen,
    it is never collected (it never would be) and the collections see only what runs create. Measured
    on 10,000 timeouts due at once: 1.6 s to drain instead of 1.8-2.4 s (RESULTS.md §9).
    """
    gc.collect()
    gc.freeze()


def drain(server: Server) -> None:
    """SIGTERM: report not ready and answer the long polls now, while uvicorn lets requests finish."""
    server.health.draining = True
    server.worker.signals.close()


class GracefulServer(uvicorn.Server):
    """uvicorn's server, which on SIGTERM/SIGINT also calls `on_exit` (on the event loop) and then lets
    `serve` return, instead of raising the signal again once it has stopped: stepstone's own shutdown
    (the worker's last round, the leases) runs after it, and the process exits 0."""

    def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_exit = on_exit
        self._loop = asyncio.get_running_loop()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._captured_signals.clear()  # handled here: not raised again after serve() returns
        self._loop.call_soon_threadsafe(self._on_exit)
