"""HTTP and WebSocket transport: JSON-RPC at `/` and `/json_rpc`, REST under `/ai/`, events at `/ai/ws`.

The transport never decides anything: it parses, calls `Node.call`, and maps errors. Any exception that
escapes a handler becomes a JSON-RPC -32603, so the node never answers 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from devnode import rules
from devnode.docs import openapi_document, openrpc_document, served_at
from devnode.errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    RATE_LIMITED,
    RpcError,
    invalid_params,
)
from devnode.events import EVENT_NAMES, Subscription
from devnode.methods import METHODS
from devnode.node import Node
from devnode.schema import check_values

log = logging.getLogger("devnode")

MAX_BODY_BYTES = rules.MAX_BODY_BYTES
MAX_BATCH = rules.MAX_BATCH
# A batch stops running requests once its replies pass this; a read whose own reply passes it is refused.
MAX_REPLY_BYTES = rules.MAX_REPLY_BYTES


def _dumps(value: Any) -> bytes:
    # orjson is ~10x faster on task lists and writes the same compact UTF-8; it refuses integers beyond
    # 64 bits (a client may send one as a request id), which the standard library then encodes. It also
    # refuses a lone surrogate, which the node no longer accepts but a state file written by an older
    # node may hold: that reply is written with JSON escapes (\ud800), still valid JSON in ASCII.
    try:
        return orjson.dumps(value)
    except TypeError:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":")).encode("ascii")


def _json_response(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_dumps(content), status, headers=headers, media_type="application/json")


def _error_reply(request_id: Any, error: RpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": error.to_json()}


class BodyTooLarge(Exception):
    pass


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> RpcError:
    return RpcError(
        INVALID_REQUEST,
        f"the request body is larger than {MAX_BODY_BYTES} bytes (1 MiB)",
        {"rule": "max_body_bytes", "max": MAX_BODY_BYTES},
    )


def _call_safely(node: Node, method: str, params: Any, admin: bool = False) -> Any:
    """node.call, with unexpected exceptions turned into -32603 (after the node rolled back)."""
    try:
        return node.call(method, params, admin=admin)
    except RpcError:
        raise
    except RecursionError:
        raise RpcError(
            INVALID_PARAMS, "params are nested too deeply", {"field": "params", "rule": "depth"}
        ) from None
    except Exception:
        log.exception("internal error in %s", method)
        raise RpcError(
            INTERNAL_ERROR, "internal error; the request changed nothing", {"method": method}
        ) from None


def handle_request(node: Node, item: Any, admin: bool = False) -> dict[str, Any] | None:
    """One JSON-RPC request object to its reply (None for a notification)."""
    if not isinstance(item, dict):
        return _error_reply(
            None, RpcError(INVALID_REQUEST, "a JSON-RPC request is a JSON object", {"rule": "request_object"})
        )
    request_id = item.get("id")
    notification = "id" not in item
    if isinstance(request_id, bool) or not isinstance(request_id, str | int | None):
        return _error_reply(
            None, RpcError(INVALID_REQUEST, "id must be a string, an integer or null", {"field": "id"})
        )
    try:
        check_values(request_id, "id")
    except RpcError as error:
        return _error_reply(None, error)
    try:
        check_values({key: value for key, value in item.items() if key not in ("id", "params")})
    except RpcError as error:
        return None if notification else _error_reply(request_id, error)
    if item.get("jsonrpc") != "2.0":
        return _error_reply(
            request_id, RpcError(INVALID_REQUEST, 'jsonrpc must be "2.0"', {"field": "jsonrpc"})
        )
    method = item.get("method")
    if not isinstance(method, str):
        return _error_reply(
            request_id, RpcError(INVALID_REQUEST, "method must be a string", {"field": "method"})
        )
    try:
        result = _call_safely(node, method, item.get("params"), admin)
    except RpcError as error:
        return None if notification else _error_reply(request_id, error)
    return None if notification else {"jsonrpc": "2.0", "id": request_id, "result": result}


def _encoded_reply(node: Node, item: Any, admin: bool) -> bytes | None:
    """One request's reply, encoded; a read whose reply passes MAX_REPLY_BYTES is refused instead."""
    reply = handle_request(node, item, admin)
    if reply is None:
        return None
    if node.reply_checker is not None:
        node.reply_checker.check_reply(item.get("method") if isinstance(item, dict) else None, reply)
    encoded = _dumps(reply)
    if len(encoded) > MAX_REPLY_BYTES and "result" in reply and not _writes(item):
        too_big = RpcError(
            INVALID_REQUEST,
            f"the reply would be {len(encoded):,} bytes, more than the node sends at once "
            f"({MAX_REPLY_BYTES:,}): ask for less (a smaller limit, the next page)",
            {"rule": "max_reply_bytes", "max": MAX_REPLY_BYTES, "size": len(encoded)},
        )
        encoded = _dumps(_error_reply(reply["id"], too_big))
    return encoded


def _writes(item: Any) -> bool:
    name = item.get("method") if isinstance(item, dict) else None
    method = METHODS.get(name) if isinstance(name, str) else None
    return method is not None and (method.mutates or method.caller)


def _parse_body(body: bytes) -> tuple[Any, tuple[int, bytes] | None]:
    """The JSON payload of a body, or the (status, reply) that refuses it."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as exc:
        return None, (
            400,
            _dumps(_error_reply(None, RpcError(PARSE_ERROR, f"invalid JSON: {exc}", {"rule": "json"}))),
        )
    if isinstance(payload, list):
        if not payload:
            return None, (
                200,
                _dumps(_error_reply(None, RpcError(INVALID_REQUEST, "an empty batch", {"rule": "batch"}))),
            )
        if len(payload) > MAX_BATCH:
            too_many = RpcError(
                INVALID_REQUEST,
                f"a batch holds at most {MAX_BATCH} requests (this one holds {len(payload)}): split it",
                {"rule": "batch", "max": MAX_BATCH},
            )
            return None, (200, _dumps(_error_reply(None, too_many)))
    return payload, None


def _not_run(item: Any) -> bytes | None:
    """The reply to a batch member left unrun because the batch's replies passed MAX_REPLY_BYTES."""
    if not isinstance(item, dict) or "id" not in item:
        return None
    request_id = item.get("id")
    if isinstance(request_id, bool) or not isinstance(request_id, str | int | None):
        request_id = None
    try:
        check_values(request_id, "id")
    except RpcError:
        request_id = None
    not_run = RpcError(
        INVALID_REQUEST,
        f"not run: this batch's replies passed {MAX_REPLY_BYTES:,} bytes before it; "
        "send it again, alone or in a smaller batch",
        {"rule": "max_reply_bytes", "max": MAX_REPLY_BYTES},
    )
    return _dumps(_error_reply(request_id, not_run))


async def handle_body(node: Node, body: bytes, admin: bool = False) -> tuple[int, bytes | None]:
    """A whole HTTP body (single or batch) to (status, reply body).

    A batch runs one request at a time and lets the event loop serve other clients between them, so one
    client's batch delays another's request by at most one request's work, not the whole batch's.
    """
    payload, refusal = _parse_body(body)
    if refusal is not None:
        return refusal
    if not isinstance(payload, list):
        single = _encoded_reply(node, payload, admin)
        return (200, single) if single is not None else (204, None)
    parts: list[bytes] = []
    size = 0
    for index, item in enumerate(payload):
        if index:
            await asyncio.sleep(0)
        encoded = _encoded_reply(node, item, admin) if size <= MAX_REPLY_BYTES else _not_run(item)
        if encoded is not None:
            parts.append(encoded)
            size += len(encoded)
    return (200, b"[" + b",".join(parts) + b"]") if parts else (204, None)


def build_app(node: Node) -> Starlette:
    async def json_rpc(request: Request) -> Response:
        served_at.set(_base_url(request))
        try:
            body = await _read_body(request)
        except BodyTooLarge:
            return Response(_dumps(_error_reply(None, _too_large())), 413, media_type="application/json")
        status, content = await handle_body(node, body, _is_admin(node, request))
        if content is None:
            return Response(status_code=status)
        return Response(content, status, media_type="application/json")

    # ----- REST ---------------------------------------------------------------------------------------

    async def rest(request: Request, method: str, params: dict[str, Any], created: bool = False) -> Response:
        checker = node.reply_checker
        try:
            result = _call_safely(node, method, params)
        except RpcError as error:
            if checker is not None:
                checker.check_error(method, error.to_json())
            headers = (
                {"Retry-After": str(error.data.get("retry_after", 1))} if error.code == RATE_LIMITED else None
            )
            return _json_response({"error": error.to_json()}, _http_status(error.code), headers=headers)
        if checker is not None:
            checker.check_result(method, result)
        return Response(_dumps(result), 201 if created else 200, media_type="application/json")

    async def rest_body(request: Request) -> dict[str, Any]:
        body = await _read_body(request)
        if not body.strip():
            return {}
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as error:
            raise RpcError(PARSE_ERROR, f"invalid JSON: {error}", {"rule": "json"}) from None
        if not isinstance(payload, dict):
            raise invalid_params("body", "the request body must be a JSON object", "body_object")
        return payload

    def caller_fields(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        sender = body.pop("from", None) or request.headers.get("x-tos-from")
        if sender is not None:
            fields["from"] = sender
        if "auth" in body:
            fields["auth"] = body.pop("auth")
        return fields

    def rest_write(
        build: Callable[[Request, dict[str, Any]], dict[str, Any]], method: str, created: bool = True
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                body = await rest_body(request)
            except BodyTooLarge:
                return _json_response({"error": _too_large().to_json()}, 413)
            except RpcError as error:
                return _json_response({"error": error.to_json()}, _http_status(error.code))
            fields = caller_fields(request, body)
            try:
                params = build(request, body)
            except RpcError as error:
                return _json_response({"error": error.to_json()}, _http_status(error.code))
            return await rest(request, method, {**params, **fields}, created)

        return endpoint

    def publish_params(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        return {"task_data": body}

    def participate_params(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        return {"task_id": request.path_params["task_id"], **body}

    def submit_params(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if "solution_data" in body or "solution" in body:
            return {"task_id": request.path_params["task_id"], **body}
        return {"task_id": request.path_params["task_id"], "solution_data": body}

    def validate_params(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        submission_id = request.path_params["submission_id"]
        task_id = body.pop("task_id", None) or node.state.submission_task.get(submission_id.lower())
        if task_id is None:
            raise RpcError(
                -32001, f"unknown submission {submission_id}", {"field": "submission_id", "rule": "unknown"}
            )
        result = body.pop("validation_result", None)
        if result is None and len(body) == 1 and next(iter(body)) in ("Approve", "Reject"):
            result = dict(body)
            body.clear()
        return {"task_id": task_id, "submission_id": submission_id, "validation_result": result, **body}

    async def network_info(request: Request) -> Response:
        return await rest(request, "get_network_info", {})

    async def published_rules(request: Request) -> Response:
        return await rest(request, "ai_get_rules", {})

    async def list_tasks(request: Request) -> Response:
        query = request.query_params
        filters = {
            key: query[key]
            for key in ("task_type", "difficulty_level", "min_reward", "publisher", "status")
            if key in query
        }
        params: dict[str, Any] = {"filters": filters} if filters else {}
        for key in ("sort_by", "sort_order"):
            if key in query:
                params[key] = query[key]
        try:
            for key in ("limit", "offset"):
                if key in query:
                    params[key] = _int_query(query[key], key)
        except RpcError as error:
            return _json_response({"error": error.to_json()}, 400)
        return await rest(request, "ai_list_active_tasks", params)

    publish = rest_write(publish_params, "ai_publish_task")

    async def tasks(request: Request) -> Response:
        return await (publish(request) if request.method == "POST" else list_tasks(request))

    async def task_details(request: Request) -> Response:
        return await rest(request, "ai_get_task_details", {"task_id": request.path_params["task_id"]})

    async def miner(request: Request) -> Response:
        return await rest(request, "ai_get_miner_stats", {"miner_address": request.path_params["address"]})

    async def events(request: Request) -> Response:
        params: dict[str, Any] = {}
        try:
            for key in ("since_seq", "limit"):
                if key in request.query_params:
                    params[key] = _int_query(request.query_params[key], key)
        except RpcError as error:
            return _json_response({"error": error.to_json()}, 400)
        return await rest(request, "ai_get_events", params)

    async def openapi(request: Request) -> Response:
        return _json_response(openapi_document(_base_url(request)))

    async def openrpc(request: Request) -> Response:
        return _json_response(openrpc_document(_base_url(request)))

    # ----- WebSocket ----------------------------------------------------------------------------------

    async def ws_events(websocket: WebSocket) -> None:
        await websocket.accept()
        sender: asyncio.Task[None] | None = None
        subscription: Subscription | None = None
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None and message.get("bytes") is not None:
                    text = message["bytes"].decode("utf-8", errors="replace")
                reply, new_subscription = _ws_request(node, text or "", subscription is not None)
                if new_subscription is not None:
                    subscription = new_subscription
                    sender = asyncio.create_task(_ws_sender(websocket, subscription, reply))
                elif reply is not None:
                    await websocket.send_text(json.dumps(reply))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            if subscription is not None:
                node.log.unsubscribe(subscription.subscriber)
            if sender is not None:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await sender

    routes = [
        Route("/", json_rpc, methods=["POST"]),
        Route("/json_rpc", json_rpc, methods=["POST"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/openrpc.json", openrpc, methods=["GET"]),
        Route("/ai/network-info", network_info, methods=["GET"]),
        Route("/ai/rules", published_rules, methods=["GET"]),
        # One route for both verbs, so a 405 on /ai/tasks names both in its Allow header.
        Route("/ai/tasks", tasks, methods=["GET", "POST"]),
        Route("/ai/tasks/{task_id}", task_details, methods=["GET"]),
        Route(
            "/ai/tasks/{task_id}/participants",
            rest_write(participate_params, "ai_participate_task"),
            methods=["POST"],
        ),
        Route(
            "/ai/tasks/{task_id}/submissions",
            rest_write(submit_params, "ai_submit_solution"),
            methods=["POST"],
        ),
        Route(
            "/ai/submissions/{submission_id}/validations",
            rest_write(validate_params, "ai_validate_submission"),
            methods=["POST"],
        ),
        Route("/ai/miners/{address}", miner, methods=["GET"]),
        Route("/ai/events", events, methods=["GET"]),
        WebSocketRoute("/ai/ws", ws_events),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        blocks = asyncio.create_task(_block_loop(node)) if node.config.block_time > 0 else None
        try:
            yield
        finally:
            if blocks is not None:
                blocks.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await blocks
            node.close()
            # Written straight to stdout so it shows whatever the log level.
            print("devnode stopped cleanly", flush=True)

    middleware = []
    if node.config.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(node.config.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Content-Type", "Authorization", "X-TOS-From"],
                max_age=600,
            )
        )
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    """404 and 405 from the router as JSON, like every other refusal (405 keeps its Allow header)."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        error = RpcError(
            METHOD_NOT_FOUND,
            f"{request.method} is not served on {request.url.path}; allowed: {exc.headers.get('allow', '') if exc.headers else ''}",
            {"rule": "http_method"},
        )
    elif exc.status_code == 404:
        error = RpcError(METHOD_NOT_FOUND, f"nothing is served at {request.url.path}", {"rule": "path"})
    else:
        error = RpcError(INVALID_REQUEST, str(exc.detail), {"rule": "http"})
    return _json_response({"error": error.to_json()}, exc.status_code, dict(exc.headers or {}))


def _base_url(request: Request) -> str:
    """The address this request came to (scheme and Host), which the documents name as server."""
    return str(request.base_url).rstrip("/")


def _is_admin(node: Node, request: Request) -> bool:
    """A call from loopback carrying the node's admin token (which opens closed dev methods)."""
    token = node.config.admin_token
    if token is None or request.client is None:
        return False
    try:
        loopback = ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False
    offered = request.headers.get("authorization", "")
    return loopback and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode())


def _int_query(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise invalid_params(name, f"{name} must be an integer") from None


def _http_status(code: int) -> int:
    return {
        PARSE_ERROR: 400,
        INVALID_REQUEST: 400,
        INVALID_PARAMS: 400,
        METHOD_NOT_FOUND: 404,
        -32001: 404,
        -32002: 409,
        -32003: 409,
        -32004: 403,
        -32005: 422,
        -32006: 409,
        RATE_LIMITED: 429,
    }.get(code, 503)


def _ws_request(node: Node, text: str, subscribed: bool) -> tuple[dict[str, Any] | None, Subscription | None]:
    """A WebSocket message to (an immediate reply, or a new subscription whose sender replies)."""
    try:
        request = json.loads(text)
    except (ValueError, RecursionError) as error:
        return _error_reply(None, RpcError(PARSE_ERROR, f"invalid JSON: {error}", {"rule": "json"})), None
    if not isinstance(request, dict):
        return _error_reply(None, RpcError(INVALID_REQUEST, "a request is a JSON object", {})), None
    request_id = request.get("id")
    try:
        check_values(request_id, "id")
    except RpcError as error:
        return _error_reply(None, error), None
    try:
        check_values({key: value for key, value in request.items() if key not in ("id", "params")})
        check_values(request.get("params"))
    except RpcError as error:
        return _error_reply(request_id, error), None
    if request.get("method") != "subscribe":
        return _error_reply(
            request_id,
            RpcError(
                METHOD_NOT_FOUND, "the event stream knows only 'subscribe'", {"method": request.get("method")}
            ),
        ), None
    if subscribed:
        return _error_reply(
            request_id,
            RpcError(
                INVALID_REQUEST,
                "this connection is already subscribed; open another to change the subscription",
                {"rule": "already_subscribed"},
            ),
        ), None
    params = request.get("params") or {}
    try:
        if not isinstance(params, dict):
            raise invalid_params("params", "params must be an object", "named_params")
        names = params.get("events", "*")
        if names == "*":
            wanted: frozenset[str] | None = None
        elif isinstance(names, list) and all(isinstance(name, str) and name in EVENT_NAMES for name in names):
            wanted = frozenset(names)
        else:
            raise invalid_params(
                "events", f'events must be "*" or a list of: {", ".join(EVENT_NAMES)}', "events"
            )
        since_seq = params.get("since_seq")
        if since_seq is not None and (
            isinstance(since_seq, bool) or not isinstance(since_seq, int) or since_seq < 0
        ):
            raise invalid_params("since_seq", "since_seq must be a non-negative integer or null")
    except RpcError as error:
        return _error_reply(request_id, error), None
    subscription = node.log.subscribe(since_seq, wanted, node.config.ws_queue)
    result = {"head_seq": subscription.head_seq, "chain_id": node.state.meta["chain_id"]}
    return {"jsonrpc": "2.0", "id": request_id, "result": result}, subscription


async def _ws_sender(websocket: WebSocket, subscription: Subscription, reply: dict[str, Any] | None) -> None:
    subscriber = subscription.subscriber
    last_seq = subscription.head_seq
    try:
        await websocket.send_text(json.dumps(reply))
        if subscription.resync_oldest is not None:
            await websocket.send_text(
                json.dumps(
                    {
                        "event": "resync_required",
                        "oldest_seq": subscription.resync_oldest,
                        "head_seq": subscription.head_seq,
                        "message": "events after your since_seq are no longer kept: reload state, then follow live events",
                    }
                )
            )
        for event in subscription.backlog:
            await websocket.send_text(event.text)
        last_seq = max(last_seq, subscription.head_seq)
        while True:
            if subscriber.overflowed:
                await websocket.send_text(
                    json.dumps(
                        {
                            "event": "subscription_dropped",
                            "reason": "slow_consumer",
                            "last_seq": last_seq,
                            "message": f"you fell too far behind; reconnect and subscribe with since_seq={last_seq}",
                        }
                    )
                )
                await websocket.close(code=1013)
                return
            if subscriber.queue:
                event = subscriber.queue.popleft()
                await websocket.send_text(event.text)
                last_seq = event.seq
                continue
            subscriber.wakeup.clear()
            await subscriber.wakeup.wait()
    except (WebSocketDisconnect, RuntimeError, OSError):
        if websocket.client_state != WebSocketState.DISCONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close()


async def _block_loop(node: Node) -> None:
    """Mine a block every block_time seconds on a fixed schedule."""
    loop = asyncio.get_running_loop()
    interval = node.config.block_time
    next_at = loop.time() + interval
    while True:
        await asyncio.sleep(max(0.0, next_at - loop.time()))
        next_at = max(next_at + interval, loop.time())
        try:
            node.mine_blocks(1)
        except Exception:
            log.exception("mining a block failed; the block was rolled back")
