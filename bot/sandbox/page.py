"""Serves the chat page and its assets from package data (works from an installed wheel)."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

_TYPES = {
    ".html": "text/html",
    ".js": "application/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}
ASSETS = ("index.html", "app.js", "style.css", "favicon.svg")


def read_asset(name: str) -> bytes:
    return (resources.files("bot.sandbox") / "static" / name).read_bytes()


async def _index(request: web.Request) -> web.Response:
    return _asset_response("index.html")


async def _static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return _asset_response(name)


async def _favicon(request: web.Request) -> web.Response:
    # Browsers ask for /favicon.ico whatever the page links; answer with the SVG.
    return _asset_response("favicon.svg")


def _asset_response(name: str) -> web.Response:
    suffix = name[name.rfind(".") :]
    return web.Response(
        body=read_asset(name),
        content_type=_TYPES[suffix],
        charset=None if suffix == ".svg" else "utf-8",
        headers={"Cache-Control": "no-cache"},
    )


def setup_page(app: web.Application) -> None:
    app.router.add_get("/", _index)
    app.router.add_get("/static/{name}", _static)
    app.router.add_get("/favicon.ico", _favicon)
