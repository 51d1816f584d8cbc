"""Reading Bot API parameters from query strings, JSON, url-encoded and multipart bodies.

Form bodies carry everything as strings, and nested objects (reply_markup, scope, ...) as
JSON-encoded strings; JSON bodies carry native values. Telegram accepts both, so do we.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import bad_request

JSON = dict[str, Any]


@dataclass
class Upload:
    filename: str
    content_type: str
    data: bytes


class Params:
    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload]) -> None:
        self.values = values
        self.uploads = uploads

    @classmethod
    async def from_request(cls, request: web.Request) -> Params:
        values: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise bad_request("can't parse JSON encoded request parameters") from exc
                if isinstance(body, dict):
                    values.update(body)
            elif ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        uploads[key] = Upload(
                            filename=value.filename or key,
                            content_type=value.content_type or "application/octet-stream",
                            data=value.file.read(),
                        )
                    else:
                        values[key] = value
        return cls(values, uploads)

    def to_log(self) -> JSON:
        logged = dict(self.values)
        for key, upload in self.uploads.items():
            logged[key] = f"<file {upload.filename} {len(upload.data)} bytes>"
        return logged

    def has(self, name: str) -> bool:
        value = self.values.get(name)
        return value is not None and value != ""

    def get_str(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return json.dumps(value)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            # The Bot API reads an unparsable integer as 0.
            return 0

    def get_float(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            return None

    def get_bool(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        return str(value).strip().lower() in ("true", "1")

    def get_json(self, name: str, error: str) -> Any:
        """A nested object; `error` is the Bad Request reason for undecodable JSON."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(error) from exc
        return value

    def upload(self, name: str) -> Upload | str | None:
        """An uploaded file (direct part or attach://), a file_id/URL string, or None."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.get_str(name)
        if value is None or value == "":
            return None
        if value.startswith("attach://"):
            attached = self.uploads.get(value[len("attach://") :])
            if attached is None:
                raise bad_request(f"file of the field {name} was not sent")
            return attached
        return value


def require_chat_id(params: Params) -> int | str:
    """chat_id as an int, or '@username'; Telegram's error when missing."""
    raw = params.get_str("chat_id")
    if raw is None or raw.strip() == "":
        raise bad_request("chat_id is empty")
    raw = raw.strip()
    if raw.startswith("@"):
        return raw
    try:
        return int(raw)
    except ValueError as exc:
        raise bad_request("chat not found") from exc
