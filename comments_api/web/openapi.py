"""The OpenAPI 3.1 description of the public API; a test keeps it equal to the routes."""

from __future__ import annotations

from typing import Any

from flask import Flask

from ..actions.reports import NOTE_LIMIT, REASONS
from ..fields import EDITABLE, FIELDS, Field


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _with_page(answer: dict[str, Any]) -> dict[str, Any]:
    """Return a refusal that a form post gets as an HTML page, a script as JSON."""
    return {**answer, "content": {**answer["content"], "text/html": {}}}


def _described(schema: dict[str, Any], field: Field) -> dict[str, Any]:
    return {**schema, "description": field.description} if field.description else schema


def _input_schema(field: Field) -> dict[str, Any]:
    if field.kind == "parent":
        return {"type": ["integer", "string", "null"]}
    if field.kind == "checkbox":
        return {"type": ["string", "boolean"]}
    schema: dict[str, Any] = {"type": "string"}
    if field.kind == "email":
        schema["format"] = "email"
    if field.limit:
        schema["maxLength"] = field.limit
    return schema


PUBLIC = [f for f in FIELDS if f.public]
COMMENT = {
    "type": "object",
    "required": [f.name for f in PUBLIC],
    "properties": {f.name: _described(f.schema, f) for f in PUBLIC},
}
STATUS = {"type": "string", "enum": ["published", "pending"]}
CREATED = {
    "allOf": [_ref("Comment")],
    "type": "object",
    # The edit token and its end are left out when COMMENTS_EDIT_SECONDS is 0.
    "required": ["status"],
    "properties": {
        "status": STATUS,
        "edit_token": {"type": "string", "description": "Bearer token for PATCH and DELETE."},
        "edit_until": {"type": "string", "format": "date-time"},
    },
}
INPUTS = [f for f in FIELDS if f.submitted]
SUBMISSION = {
    "type": "object",
    "required": [f.name for f in INPUTS if f.required],
    "properties": {f.name: _described(_input_schema(f), f) for f in INPUTS},
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
REPORT = {
    "type": "object",
    "required": ["reason"],
    "properties": {
        "reason": {"type": "string", "enum": list(REASONS)},
        "note": {"type": "string", "maxLength": NOTE_LIMIT},
    },
}
ID = {"name": "comment_id", "in": "path", "required": True, "schema": {"type": "integer"}}
THREAD = {"name": "thread", "in": "path", "required": True, "schema": {"type": "string"}}
BEARER = [{"editToken": []}, {"editCookie": []}]


def _paths() -> dict[str, Any]:
    refused = {
        "400": _error("Bad body, invalid UTF-8 (field named), or honeypot filled."),
        "403": _error("Foreign origin, or comments closed."),
        "409": _error("Duplicate comment."),
        "413": _error("Body larger than COMMENTS_MAX_REQUEST_BYTES."),
        "415": _error("Not a form or JSON in UTF-8."),
        "422": _error("Field errors in `errors`."),
        "429": _error("Rate limit or flood interval; see Retry-After."),
        "503": _error("Store busy; see Retry-After."),
    }
    return {
        "/api/comments": {
            "post": {
                "summary": "Post a comment",
                "operationId": "createComment",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": _ref("Submission")},
                        "application/x-www-form-urlencoded": {"schema": _ref("Submission")},
                    },
                },
                # A form post is answered with HTML pages: the article (303) or the refusal.
                "responses": {
                    "201": _json(_ref("CreatedComment"), "Stored (JSON request)."),
                    "303": {"description": "Stored (form request): to the article at "
                            "#comment-<id>, or for a held comment to /api/comments/<id>/own "
                            "(#comment-pending when COMMENTS_EDIT_SECONDS=0)."},
                    **{code: _with_page(answer) for code, answer in refused.items()},
                },
            }
        },
        "/api/comments/{comment_id}": {
            "parameters": [ID],
            "get": {
                "summary": "One published comment",
                "operationId": "getComment",
                "responses": {"200": _json(_ref("Comment"), "The comment."),
                              "404": _error("No such published comment.")},
            },
            "patch": {
                "summary": f"Edit your own comment ({', '.join(EDITABLE)})",
                "operationId": "editComment",
                "security": BEARER,
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"type": "object", "properties": {
                        k: SUBMISSION["properties"][k] for k in EDITABLE}}}}},
                "responses": {
                    "200": _json({"allOf": [_ref("Comment")], "type": "object",
                                  "properties": {"status": STATUS}}, "Changed."),
                    **{k: v for k, v in refused.items() if k in ("400", "413", "415", "422")},
                    "403": _error("No valid edit token, or the edit time is over."),
                    "404": _error("No such comment."),
                },
            },
            "delete": {
                "summary": "Delete your own comment",
                "operationId": "deleteComment",
                "security": BEARER,
                "responses": {"204": {"description": "Deleted."},
                              "403": _error("No valid edit token, or the edit time is over."),
                              "404": _error("No such comment.")},
            },
        },
        "/api/comments/{comment_id}/own": {
            "parameters": [ID],
            "get": {
                "summary": "Your own comment (held or published) while you may change it",
                "operationId": "ownComment",
                "security": BEARER,
                "responses": {
                    "200": {"description": "The comment with its status, thread, body as typed "
                            "and edit_until (JSON), or its page with edit and delete forms (HTML).",
                            "content": {"application/json": {"schema": {
                                "allOf": [_ref("Comment")], "type": "object", "properties": {
                                    "status": STATUS, "thread": {"type": "string"},
                                    "body": {"type": "string"},
                                    "edit_until": {"type": "string", "format": "date-time"}}}},
                                "text/html": {}}},
                    "404": _with_page(_error("Not yours, no such comment, or the edit time is "
                                             "over (one answer for all three).")),
                },
            },
        },
        "/api/comments/{comment_id}/edit": {
            "parameters": [ID],
            "post": {
                "summary": "Edit your own comment from its page's form",
                "operationId": "ownEditForm",
                "security": BEARER,
                "requestBody": {"required": True, "content": {
                    "application/x-www-form-urlencoded": {"schema": {"type": "object",
                        "properties": {k: SUBMISSION["properties"][k] for k in EDITABLE}}}}},
                "responses": {
                    "303": {"description": "Changed: to the comment's own page."},
                    "403": {"description": "Posted from another origin (HTML page)."},
                    "404": {"description": "Not yours, or too late (HTML page)."},
                    "422": {"description": "Field errors: the own page again, text kept.",
                            "content": {"text/html": {}}},
                    "429": {"description": "Too many attempts (HTML page)."},
                },
            },
        },
        "/api/comments/{comment_id}/delete": {
            "parameters": [ID],
            "post": {
                "summary": "Delete your own comment from its page's form",
                "operationId": "ownDeleteForm",
                "security": BEARER,
                "responses": {
                    "200": {"description": "Deleted (HTML page).", "content": {"text/html": {}}},
                    "403": {"description": "Posted from another origin (HTML page)."},
                    "404": {"description": "Not yours, or too late (HTML page)."},
                    "429": {"description": "Too many attempts (HTML page)."},
                },
            },
        },
        "/api/comments/{comment_id}/report": {
            "parameters": [ID],
            "get": {
                "summary": "HTML page: the form to report a published comment",
                "operationId": "reportForm",
                "responses": {
                    "200": {"description": "The page.", "content": {"text/html": {}}},
                    "404": {"description": "No such published comment (HTML page)."},
                },
            },
            "post": {
                "summary": "Report a published comment to the editors (counted once per client)",
                "operationId": "reportComment",
                "requestBody": {"required": True, "content": {
                    media: {"schema": REPORT}
                    for media in ("application/json", "application/x-www-form-urlencoded")}},
                "responses": {
                    "202": _json({"type": "object", "properties": {"message": {"type": "string"}}},
                                 "Taken (JSON request); the same answer for a repeated report."),
                    "200": {"description": "Taken (form request): a thank-you page.",
                            "content": {"text/html": {}}},
                    **{k: _with_page(v) for k, v in refused.items()
                       if k in ("400", "403", "413", "415", "422", "429", "503")},
                    "404": _with_page(_error("No such published comment.")),
                },
            },
        },
        "/api/threads/{thread}/comments": {
            "get": {
                "summary": "Published comments of a thread, oldest first",
                "operationId": "listComments",
                "parameters": [
                    THREAD,
                    {"name": "limit", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}},
                    {"name": "after", "in": "query", "description": "A comment id.",
                     "schema": {"type": "integer", "minimum": 0}},
                    {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": _json({"type": "object", "required": ["comments", "next"],
                                  "properties": {"comments": {"type": "array",
                                                              "items": _ref("Comment")},
                                                 "next": {"type": ["string", "null"]}}},
                                 "A page of comments; ETag header set."),
                    "304": {"description": "Not modified."},
                    "400": _error("Bad limit or after."),
                    "404": _error("Unknown thread."),
                },
            }
        },
        "/api/threads/{thread}/reply": {
            "get": {
                "summary": "HTML page: the comment form set to reply to a comment",
                "operationId": "replyForm",
                "parameters": [
                    THREAD,
                    {"name": "parent", "in": "query", "required": True,
                     "schema": {"type": "integer"}},
                ],
                "responses": {
                    "200": {"description": "The page.", "content": {"text/html": {}}},
                    "403": {"description": "Comments are closed (HTML page)."},
                    "404": {"description": "Unknown thread or comment (HTML page)."},
                },
            }
        },
        "/api/counts": {
            "get": {
                "summary": "Published comment counts",
                "operationId": "countComments",
                "parameters": [{"name": "thread", "in": "query", "explode": True,
                                "schema": {"type": "array", "items": {"type": "string"}}}],
                "responses": {
                    "200": _json({"type": "object", "required": ["counts"], "properties": {
                        "counts": {"type": "object",
                                   "additionalProperties": {"type": "integer"}}}}, "Counts."),
                    "304": {"description": "Not modified."},
                    "400": _error("Too many threads."),
                },
            }
        },
        "/api/avatars/{key}.svg": {
            "get": {
                "summary": "Avatar image drawn from a keyed hash",
                "operationId": "getAvatar",
                "parameters": [{"name": "key", "in": "path", "required": True,
                                "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}],
                "responses": {"200": {"description": "SVG image.",
                                      "content": {"image/svg+xml": {}}},
                              "404": _error("Not an avatar key.")},
            }
        },
        "/api/health": {
            "get": {
                "summary": "Service health",
                "operationId": "health",
                "responses": {"200": _json({"type": "object"}, "Healthy."),
                              "503": _error("Store unavailable.")},
            }
        },
        "/api/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1 document.")},
            }
        },
    }  # fmt: skip


def document(app: Flask) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of the comment API."""
    site = app.config.get("COMMENTS_SITE_URL")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Comments API",
            "version": "1.0.0",
            "description": "Comments for the articles of the static site. Email addresses "
            "are accepted for moderation and never returned.",
        },
        **({"servers": [{"url": site}]} if site else {}),
        "paths": _paths(),
        "components": {
            "schemas": {
                "Comment": COMMENT,
                "CreatedComment": CREATED,
                "Submission": SUBMISSION,
                "Error": ERROR,
            },
            "securitySchemes": {
                "editToken": {"type": "http", "scheme": "bearer"},
                "editCookie": {"type": "apiKey", "in": "cookie", "name": "comment_edit_{id}"},
            },
        },
    }
