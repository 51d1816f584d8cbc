"""What the chat page asks the emulator for: places for the location picker, roles, the
favicon, where people are kept, and locations checked and remembered."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.sandbox import Emulator

from .test_user_api import call


async def test_places_default_and_provided(emu: Emulator) -> None:
    api = f"{emu.base_url}/sandbox/api"
    async with aiohttp.ClientSession() as http:
        [default] = await call(http, "GET", f"{api}/places")
        assert (default["lat"], default["lon"]) == emu.default_location

        async def places() -> list[dict[str, Any]]:
            return [{"name": "Кемерово", "lat": 55.35, "lon": 86.09, "radius_km": 20.0}]

        emu.places = places
        assert [p["name"] for p in await call(http, "GET", f"{api}/places")] == ["Кемерово"]
        info = await call(http, "GET", f"{api}/info")
        assert info["state_file"] is None  # the page says: not kept


async def test_people_carry_their_role(emu: Emulator) -> None:
    emu.user(2001, first_name="Иван", language_code="ru")
    emu.user(3001, first_name="Галина", language_code="ru")

    async def roles() -> dict[int, str]:
        return {2001: "volunteer: delivery"}

    emu.roles = roles
    async with aiohttp.ClientSession() as http:
        people = await call(http, "GET", f"{emu.base_url}/sandbox/api/people")
    assert [(p["id"], p["role"]) for p in people] == [(2001, "volunteer: delivery"), (3001, None)]


async def test_location_is_checked_and_remembered(emu: Emulator) -> None:
    person = emu.user(1001, first_name="Алия")
    url = f"{emu.base_url}/sandbox/api/people/1001/location"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json={"latitude": 95, "longitude": 10}) as resp:
            assert resp.status == 400
        await call(http, "POST", url, json={"latitude": 55.35, "longitude": 86.09})
    assert person.location == (55.35, 86.09)
    assert person.messages[-1].location == {"latitude": 55.35, "longitude": 86.09}


async def test_favicon(emu: Emulator) -> None:
    async with aiohttp.ClientSession() as http:
        for path in ("/favicon.ico", "/static/favicon.svg"):
            async with http.get(emu.base_url + path) as resp:
                assert resp.status == 200 and resp.content_type == "image/svg+xml"
                assert (await resp.read()).startswith(b"<svg")
        async with http.get(emu.base_url + "/") as resp:
            assert 'rel="icon"' in await resp.text()


async def test_a_new_person_stands_at_the_default_location() -> None:
    emu = Emulator(default_location=(55.35, 86.09))
    assert emu.user(1).location == (55.35, 86.09)
