"""JSON API under /sandbox/api for the chat page and black-box scripts (people's side)."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .botstate import BotState, CallbackAnswer
from .limits import FaultConfig, LimitConfig
from .people import Person

if TYPE_CHECKING:
    from .emulator import Emulator

JSON = dict[str, Any]
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]
LANGUAGES = ("ru", "kk")


class UserApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _ok(data: Any) -> web.Response:
    return web.json_response({"ok": True, "result": data})


def _answer_json(answer: CallbackAnswer | None) -> JSON | None:
    return dataclasses.asdict(answer) if answer is not None else None


class UserApi:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    # --- plumbing ---------------------------------------------------------------------
    def _state(self, request: web.Request) -> BotState:
        try:
            return self.emu._bot(request.query.get("bot"))
        except KeyError as exc:
            raise UserApiError(404, str(exc)) from exc

    def _person(self, request: web.Request) -> Person:
        state = self._state(request)
        try:
            user_id = int(request.match_info["user_id"])
        except ValueError as exc:
            raise UserApiError(400, "person id must be an integer") from exc
        if user_id not in self.emu.profiles:
            raise UserApiError(404, f"no person {user_id}")
        return self.emu.user(user_id, bot=str(state.id))

    async def _body(self, request: web.Request) -> JSON:
        if not request.can_read_body:
            return {}
        try:
            data = await request.json()
        except ValueError as exc:
            raise UserApiError(400, "body must be JSON") from exc
        if not isinstance(data, dict):
            raise UserApiError(400, "body must be a JSON object")
        return data

    def wrap(self, route: Route) -> Route:
        async def handler(request: web.Request) -> web.StreamResponse:
            try:
                return await route(request)
            except UserApiError as exc:
                return web.json_response({"ok": False, "error": str(exc)}, status=exc.status)
            except (LookupError, ValueError, TypeError) as exc:
                message = exc.args[0] if exc.args else str(exc)
                return web.json_response({"ok": False, "error": str(message)}, status=400)

        return handler

    # --- views ------------------------------------------------------------------------
    def conversation(self, person: Person) -> JSON:
        keyboard = person.reply_keyboard_markup
        return {
            "version": person.state.notifier.version,
            "person": person.to_json(),
            "bot": person.state.get_me(),
            "messages": [m.to_json() for m in person.messages],
            "reply_keyboard": keyboard.to_json() if keyboard is not None else None,
            "command_menu": [c._asdict() for c in person.command_menu()],
            "last_answer": _answer_json(person.last_answer),
        }

    # --- routes -----------------------------------------------------------------------
    async def info(self, request: web.Request) -> web.StreamResponse:
        emu = self.emu
        return _ok(
            {
                "base_url": emu.base_url,
                "page": emu.base_url + "/",
                "bots": [
                    {**s.get_me(), "api_base": emu.api_base(s.token)} for s in emu.bots.values()
                ],
                "limits": emu.limits.to_json(),
                "faults": emu.faults.to_json(),
                # Where people and chats are kept across restarts (None: they are not).
                "state_file": str(emu.keeper.path) if emu.keeper is not None else None,
                "default_location": list(emu.default_location),
            }
        )

    async def places(self, request: web.Request) -> web.StreamResponse:
        """Named points for the page's location picker (the bot's territories, centre first)."""
        found: list[JSON] = []
        if self.emu.places is not None:
            found = await self.emu.places()
        if not found:
            lat, lon = self.emu.default_location
            found = [{"name": "Default", "lat": lat, "lon": lon, "radius_km": 5.0}]
        return _ok(found)

    async def list_people(self, request: web.Request) -> web.StreamResponse:
        state = self._state(request)
        people = sorted(self.emu.people(str(state.id)), key=lambda p: p.id)
        roles = await self.emu.roles() if self.emu.roles is not None else {}
        return _ok([{**p.to_json(), "role": roles.get(p.id)} for p in people])

    async def create_person(self, request: web.Request) -> web.StreamResponse:
        state = self._state(request)
        body = await self._body(request)
        raw_id = body.get("id")
        if raw_id in (None, ""):
            user_id = max([1000, *self.emu.profiles]) + 1
        else:
            try:
                user_id = int(raw_id)
            except (TypeError, ValueError) as exc:
                raise UserApiError(400, "id must be an integer") from exc
        if user_id <= 0:
            raise UserApiError(400, "id must be positive")
        language = body.get("language_code") or "ru"
        if language not in LANGUAGES:
            raise UserApiError(400, f"language_code must be one of {LANGUAGES}")
        first_name = str(body.get("first_name") or "").strip() or f"User {user_id}"
        person = self.emu.user(
            user_id,
            first_name=first_name,
            last_name=(str(body["last_name"]).strip() or None) if body.get("last_name") else None,
            username=str(body["username"]).lstrip("@") if body.get("username") else None,
            language_code=language,
            phone=str(body["phone"]) if body.get("phone") else None,
            bot=str(state.id),
        )
        return _ok(person.to_json())

    async def get_conversation(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        since = request.query.get("since")
        wait = min(float(request.query.get("wait", "0") or 0), 30.0)
        if since is not None and wait > 0:
            await person.state.notifier.wait(int(since), wait)
        return _ok(self.conversation(person))

    async def send_text(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        body = await self._body(request)
        text = str(body.get("text", ""))
        if not text.strip():
            raise UserApiError(400, "text is empty")
        message = await person.send_text(text)
        return _ok(message.to_json())

    async def send_contact(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        body = await self._body(request)
        message = await person.send_contact(
            phone=body.get("phone") or None,
            own=bool(body.get("own", True)),
            first_name=body.get("first_name") or None,
            last_name=body.get("last_name") or None,
        )
        return _ok(message.to_json())

    async def send_location(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        body = await self._body(request)
        latitude = float(body.get("latitude", person.location[0]))
        longitude = float(body.get("longitude", person.location[1]))
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise UserApiError(400, "latitude must be within ±90 and longitude within ±180")
        message = await person.send_location(latitude, longitude)
        person.location = (latitude, longitude)  # the next location button sends it again
        return _ok(message.to_json())

    async def send_file(self, request: web.Request) -> web.StreamResponse:
        """multipart (file, caption, kind) or JSON {data_base64, filename, caption, kind}."""
        person = self._person(request)
        kind = request.match_info["kind"]
        caption: str | None
        if request.content_type == "multipart/form-data":
            form = await request.post()
            upload = form.get("file")
            if not isinstance(upload, web.FileField):
                raise UserApiError(400, "multipart field 'file' is missing")
            data = upload.file.read()
            filename = upload.filename or "file.bin"
            mime: str | None = upload.content_type
            caption = str(form.get("caption") or "") or None
        else:
            body = await self._body(request)
            data = base64.b64decode(str(body.get("data_base64", "")))
            filename = str(body.get("filename") or "file.bin")
            mime = str(body["mime_type"]) if body.get("mime_type") else None
            caption = body.get("caption") or None
        if not data:
            raise UserApiError(400, "file is empty")
        if kind == "photo":
            message = await person.send_photo(data, caption=caption)
        else:
            message = await person.send_document(
                data, filename=filename, mime_type=mime, caption=caption
            )
        return _ok(message.to_json())

    async def send_sticker(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        body = await self._body(request)
        message = await person.send_sticker(str(body.get("emoji") or "👍"))
        return _ok(message.to_json())

    async def press(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        body = await self._body(request)
        timeout = min(float(body.get("timeout", 5.0)), 30.0)
        message_id = int(body["message_id"]) if body.get("message_id") else None
        if body.get("data") is not None:
            answer = await person.press_data(str(body["data"]), timeout, message_id=message_id)
        elif body.get("label") is not None:
            answer = await person.press(str(body["label"]), timeout, message_id=message_id)
        else:
            raise UserApiError(400, "give 'label' or 'data'")
        return _ok({"answer": _answer_json(answer)})

    async def tap(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        body = await self._body(request)
        message = await person.tap(str(body.get("label", "")))
        return _ok(message.to_json())

    async def block(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        await person.block()
        return _ok(person.to_json())

    async def unblock(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request)
        await person.unblock()
        return _ok(person.to_json())

    async def download(self, request: web.Request) -> web.StreamResponse:
        state = self._state(request)
        stored = state.files.get(request.match_info["file_id"])
        if stored is None:
            raise UserApiError(404, "no such file")
        name = stored.file_name or stored.file_path.rsplit("/", 1)[-1]
        return web.Response(
            body=stored.data,
            content_type=stored.mime_type
            or ("image/jpeg" if stored.kind == "photo" else "application/octet-stream"),
            headers={"Content-Disposition": f"inline; filename*=UTF-8''{_quote(name)}"},
        )

    async def calls(self, request: web.Request) -> web.StreamResponse:
        since = int(request.query.get("since", "0") or 0)
        method = (request.query.get("method") or "").lower()
        chat = request.query.get("chat_id")
        found = [
            c.to_json()
            for c in self.emu.calls
            if c.seq > since
            and (not method or c.method.lower() == method)
            and (chat is None or str(c.chat_id) == chat)
        ]
        return _ok(found)

    async def get_settings(self, request: web.Request) -> web.StreamResponse:
        return _ok({"limits": self.emu.limits.to_json(), "faults": self.emu.faults.to_json()})

    async def set_settings(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        if isinstance(body.get("limits"), dict):
            limits = dict(body["limits"])
            enabled = bool(limits.pop("enabled", True))
            current = dataclasses.asdict(self.emu.limits.config)
            current.update({k: v for k, v in limits.items() if k in current})
            self.emu.set_limits(enabled, LimitConfig(**current))
        if isinstance(body.get("faults"), dict):
            faults = dict(body["faults"])
            enabled = bool(faults.pop("enabled", True))
            config = dataclasses.asdict(self.emu.faults.config)
            config.update({k: v for k, v in faults.items() if k in config})
            methods = config.get("methods")
            config["methods"] = frozenset(m.lower() for m in methods) if methods else None
            self.emu.set_faults(enabled, FaultConfig(**config))
        return await self.get_settings(request)

    async def fail_next(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        if not body.get("method"):
            raise UserApiError(400, "method is required")
        rule = self.emu.fail_next(
            str(body["method"]),
            int(body.get("count", 1)),
            chat_id=int(body["chat_id"]) if body.get("chat_id") is not None else None,
            code=int(body.get("code", 502)),
            retry_after=int(body.get("retry_after", 1)),
            description=body.get("description"),
        )
        return _ok(rule.to_json())

    async def clear_faults(self, request: web.Request) -> web.StreamResponse:
        self.emu.faults.clear()
        return await self.get_settings(request)

    async def wait_idle(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        try:
            await self.emu.wait_idle(
                quiet=float(body.get("quiet", 0.2)), timeout=min(float(body.get("timeout", 5)), 60)
            )
        except TimeoutError as exc:
            raise UserApiError(408, str(exc)) from exc
        return _ok(True)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def setup_user_api(app: web.Application, emu: Emulator) -> None:
    api = UserApi(emu)
    base = "/sandbox/api"
    w = api.wrap
    r = app.router
    r.add_get(f"{base}/info", w(api.info))
    r.add_get(f"{base}/places", w(api.places))
    r.add_get(f"{base}/people", w(api.list_people))
    r.add_post(f"{base}/people", w(api.create_person))
    r.add_get(f"{base}/people/{{user_id}}", w(api.get_conversation))
    r.add_get(f"{base}/people/{{user_id}}/conversation", w(api.get_conversation))
    r.add_post(f"{base}/people/{{user_id}}/text", w(api.send_text))
    r.add_post(f"{base}/people/{{user_id}}/contact", w(api.send_contact))
    r.add_post(f"{base}/people/{{user_id}}/location", w(api.send_location))
    r.add_post(f"{base}/people/{{user_id}}/{{kind:document|photo}}", w(api.send_file))
    r.add_post(f"{base}/people/{{user_id}}/sticker", w(api.send_sticker))
    r.add_post(f"{base}/people/{{user_id}}/press", w(api.press))
    r.add_post(f"{base}/people/{{user_id}}/tap", w(api.tap))
    r.add_post(f"{base}/people/{{user_id}}/block", w(api.block))
    r.add_post(f"{base}/people/{{user_id}}/unblock", w(api.unblock))
    r.add_get(f"{base}/files/{{file_id}}", w(api.download))
    r.add_get(f"{base}/calls", w(api.calls))
    r.add_get(f"{base}/settings", w(api.get_settings))
    r.add_post(f"{base}/settings", w(api.set_settings))
    r.add_post(f"{base}/faults/fail_next", w(api.fail_next))
    r.add_post(f"{base}/faults/clear", w(api.clear_faults))
    r.add_post(f"{base}/wait_idle", w(api.wait_idle))
