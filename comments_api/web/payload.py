"""Reading a request body: form or JSON, UTF-8 checked field by field, size already capped."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Request, g
from werkzeug.exceptions import RequestEntityTooLarge

from ..core.errors import ApiError

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def _invalid_utf8(field: str) -> ApiError:
    return ApiError(
        400,
        f"The field {field[:40]} is not valid UTF-8.",
        errors={field: "This field has bytes that are not valid UTF-8 text."},
    )


def parse_form(raw: bytes) -> dict[str, Any]:
    """Return the fields of a form-encoded body; a repeated name gives a list.

    Raises:
        ApiError: 400 naming the first field that is not valid UTF-8.
    """
    fields: dict[str, Any] = {}
    for pair in raw.split(b"&"):
        if not pair:
            continue
        raw_name, _, raw_value = pair.partition(b"=")
        try:
            name = unquote_to_bytes(raw_name.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "A field name is not valid UTF-8.") from None
        try:
            value = unquote_to_bytes(raw_value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise _invalid_utf8(name) from None
        if name in fields:
            previous = fields[name]
            fields[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[name] = value
    return fields


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def parse_json(raw: bytes) -> dict[str, Any]:
    """Return the fields of a JSON object body.

    Bytes that are not UTF-8 (and escaped lone surrogates) are refused naming their field.

    Raises:
        ApiError: 400 for a body that is not a JSON object or has invalid text.
    """
    # surrogateescape keeps bad bytes visible as lone surrogates, so the field can be named.
    text = raw.decode("utf-8", "surrogateescape")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise ApiError(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Send the comment as a JSON object.")
    for name, value in data.items():
        if _has_surrogate(name):
            raise ApiError(400, "A field name is not valid UTF-8.")
        if isinstance(value, str) and _has_surrogate(value):
            raise _invalid_utf8(name)
    return data


def read_body(request: Request, *, form_allowed: bool = True) -> dict[str, Any]:
    """Return the submitted fields of `request`.

    Raises:
        ApiError: 400/411/415 for a body the service will not read.
        RequestEntityTooLarge: (413) for a body over the size limit.
    """
    allowed = (FORM, JSON) if form_allowed else (JSON,)
    if request.mimetype not in allowed:
        raise ApiError(415, f"Send the request as {' or '.join(allowed)}.")
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ApiError(415, "Send the request in UTF-8.")
    raw = read_raw(request.environ, request.max_content_length or 0)
    fields = parse_form(raw) if request.mimetype == FORM else parse_json(raw)
    # Kept for the error page: a refusal raised later (a store or limiter that is down)
    # still gives back what was typed.
    g.submitted_fields = fields
    return fields


def read_raw(environ: dict[str, Any], limit: int) -> bytes:
    """Return the whole request body, or refuse it once it passes `limit` bytes.

    The input is read here rather than through Werkzeug's limited stream, which returns the
    first `limit` bytes of a longer chunked body as if they were all of it.

    Raises:
        RequestEntityTooLarge: (413) for a body longer than `limit`, declared or streamed.
        ApiError: 411 for a stream the server cannot end; 400 for a body cut short.
    """
    stream = environ["wsgi.input"]
    declared = environ.get("CONTENT_LENGTH", "").strip()
    if declared:
        if not declared.isdigit():
            raise ApiError(400, "The Content-Length is not a number.")
        length = int(declared)
        if length > limit:
            raise RequestEntityTooLarge()
        data = _read_up_to(stream, length)
        if len(data) < length:
            raise ApiError(400, "The request body ended early.")
        return data
    if "wsgi.input_terminated" not in environ:
        # Without a length, and with a server that does not end the stream itself, the
        # body cannot be read safely; refusing beats reading it as empty.
        if environ.get("HTTP_TRANSFER_ENCODING"):
            raise ApiError(411, "Send the request with a Content-Length.")
        return b""
    data = _read_up_to(stream, limit + 1)
    if len(data) > limit:
        raise RequestEntityTooLarge()
    return data


def _read_up_to(stream: Any, size: int) -> bytes:
    parts, total = [], 0
    while total < size:
        part = stream.read(min(65536, size - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
    return b"".join(parts)
