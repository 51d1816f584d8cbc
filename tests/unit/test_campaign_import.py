"""Campaign imports: reading CSV (UTF-8, BOM, Windows-1251, comma, semicolon) and XLSX,
validating rows, merging duplicates; and the write into the database in chunks."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import os
import zipfile
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator
from bot.services import campaign_import as ci
from bot.services import volunteers
from bot.services.campaign_import import Col, Context, FileProblem, ImportFileError, Reason
from bot.services.outbox import OutgoingMessage, Text
from bot.services.territories import load_from_file
from bot.services.users import Profile, Roles, touch_user
from models import (
    AuditEntry,
    Campaign,
    CampaignImport,
    CampaignPerson,
    CampaignTerritory,
    OutboxMessage,
    Territory,
    migrate,
)
from models.db import create_engine, create_sessionmaker

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
HEADER_RU = ["ФИО", "Телефон", "Год рождения", "Территория", "Адрес", "Дата согласия", "Telegram"]
HEADER_KK = ["Аты-жөні", "Телефон", "Жасы", "Аумақ", "Мекенжай", "Келісім күні", "Username"]


def _ctx(existing: list[ci.Existing] | None = None) -> Context:
    # 1 the region, 2 Yurga (the campaign's), 3 a district under Yurga, 4 Tayga (outside).
    names = {
        "kuzbass": 1,
        "yurga": 2,
        "юргинский городской округ": 2,
        "юрга қалалық округі": 2,
        "yurga-east": 3,
        "tayga": 4,
    }
    return Context(
        campaign_id=1,
        territories={ci._name_key(k): v for k, v in names.items()},
        zones={i: "Asia/Novokuznetsk" for i in (1, 2, 3, 4)},
        in_campaign=frozenset({2, 3}),
        allowed=frozenset({2, 3}),
        now=NOW,
        existing=existing or [],
    )


def _good(i: int) -> list[str]:
    return [
        f"Иванова Мария {i}",
        f"+7 903 100-{i // 100:02d}-{i % 100:02d}",
        "1950",
        "Юргинский городской округ",
        f"ул. Ленина, {i}",
        "01.11.2026",
        "",
    ]


def _csv(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(",", "utf-8"), (";", "utf-8-sig"), (";", "cp1251"), (",", "cp1251"), ("\t", "utf-16")],
)
def test_csv_encodings_and_delimiters(delimiter: str, encoding: str) -> None:
    data = _csv([HEADER_RU, _good(1), _good(2)], delimiter, encoding)
    parsed = ci.parse(data, _ctx())
    assert (parsed.rows, len(parsed.new), parsed.merged, parsed.rejects) == (2, 2, 0, [])
    first = parsed.new[0]
    assert first.full_name == "Иванова Мария 1"
    assert first.phone == "+79031000001"
    assert (first.birth_year, first.territory_id) == (1950, 2)
    assert first.consent_on == date(2026, 11, 1)
    assert parsed.header[0] == "ФИО"


def test_excel_sep_line() -> None:
    data = b"sep=;\r\n" + _csv([HEADER_RU, _good(1)], ";", "utf-8")
    parsed = ci.parse(data, _ctx())
    assert (len(parsed.new), parsed.rejects) == (1, [])
    with pytest.raises(ImportFileError) as caught:
        ci.parse(b"\r\nsep=,\r\n", _ctx())
    assert caught.value.problem is FileProblem.EMPTY


def test_kazakh_headers_any_order_and_case() -> None:
    header = ["  келісім КҮНІ ", "АУМАҚ", "Аты-жөні", "телефон", "жасы", "Мекенжай"]
    row = ["2026-11-02", "yurga-east", "Сейітқали Әлия", "87011234567", "70", ""]
    parsed = ci.parse(_csv([header, row]), _ctx())
    (person,) = parsed.new
    assert person.phone == "+77011234567"
    assert person.birth_year == 2026 - 70
    assert person.territory_id == 3  # a district under the campaign's territory
    assert person.consent_on == date(2026, 11, 2)


def test_missing_columns_are_named() -> None:
    with pytest.raises(ImportFileError) as caught:
        ci.parse(_csv([["ФИО", "Адрес"], ["Иванова Мария", "ул. Ленина, 1"]]), _ctx())
    assert caught.value.problem is FileProblem.MISSING_COLUMNS
    assert caught.value.missing == (Col.PHONE, Col.BIRTH_YEAR, Col.TERRITORY, Col.CONSENT)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", FileProblem.EMPTY),
        (b"\n ;; \n", FileProblem.EMPTY),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", FileProblem.NOT_TABLE),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, FileProblem.OLD_XLS),
        (b"PK\x03\x04 not really a zip", FileProblem.BAD_XLSX),
        ("ФИО,Телефон".encode("cp1251") + b"\x98\xff", FileProblem.UNDECODABLE),
        (b"x" * (ci.MAX_BYTES + 1), FileProblem.TOO_BIG),
    ],
)
def test_unreadable_files(data: bytes, problem: FileProblem) -> None:
    with pytest.raises(ImportFileError) as caught:
        ci.parse(data, _ctx())
    assert caught.value.problem is problem


def test_a_zip_that_is_no_workbook() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(ImportFileError) as caught:
        ci.parse(out.getvalue(), _ctx())
    assert caught.value.problem is FileProblem.BAD_XLSX


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ci, "MAX_ROWS", 3)
    with pytest.raises(ImportFileError) as caught:
        ci.parse(_csv([HEADER_RU, *(_good(i) for i in range(4))]), _ctx())
    assert caught.value.problem is FileProblem.TOO_MANY_ROWS


def test_bad_rows_of_each_kind() -> None:
    def bad(**changes: str) -> list[str]:
        row = dict(zip(HEADER_RU, _good(50), strict=True))
        row.update({HEADER_RU[int(k[1:])]: v for k, v in changes.items()})
        return list(row.values())

    rows = [
        (bad(c0="  "), Reason.NAME),
        (bad(c0="123"), Reason.NAME),
        (bad(c1="12345"), Reason.PHONE),
        (bad(c1="", c4=""), Reason.NO_CONTACT),
        (bad(c2="2015"), Reason.BIRTH_YEAR),
        (bad(c2="1890"), Reason.BIRTH_YEAR),
        (bad(c2="давно"), Reason.BIRTH_YEAR),
        (bad(c2=""), Reason.BIRTH_YEAR),
        (bad(c3="Атлантида"), Reason.TERRITORY_UNKNOWN),
        (bad(c3="tayga"), Reason.TERRITORY_OUTSIDE),
        (bad(c5=""), Reason.CONSENT_MISSING),
        (bad(c5="вчера"), Reason.CONSENT_BAD),
        (bad(c5="31.02.2026"), Reason.CONSENT_BAD),
        (bad(c5="01.12.2026"), Reason.CONSENT_FUTURE),
        (bad(c4="д" * 301), Reason.ADDRESS),
    ]
    parsed = ci.parse(_csv([HEADER_RU, *(row for row, _ in rows)]), _ctx())
    assert [r.reason for r in parsed.rejects] == [reason for _, reason in rows]
    assert [r.line for r in parsed.rejects] == list(range(2, 2 + len(rows)))
    assert parsed.rejects[2].cells[1] == "12345"  # the row as it came
    assert parsed.new == [] and parsed.rows == len(rows)


def test_scope_of_a_territory_coordinator() -> None:
    ctx = _ctx()
    ctx.allowed = frozenset({3})
    parsed = ci.parse(_csv([HEADER_RU, _good(1)]), ctx)
    assert [r.reason for r in parsed.rejects] == [Reason.TERRITORY_NOT_YOURS]


def test_visits_usernames_and_dates() -> None:
    rows = [
        ["Петров Пётр", "", "1948", "yurga", "ул. Мира, 3", "2026-10-01", "@petrov_p"],
        ["Сидорова Анна", "8 (903) 111-22-33", "12.03.1951", "YURGA", "", "1.9.2026", "t.me/ann"],
        ["Ким Олег", "+79031112234", "1949", "Юрга қалалық округі", "", "2026-10-01 00:00:00", "x"],
    ]
    parsed = ci.parse(_csv([HEADER_RU, *rows], ";"), _ctx())
    visit, call, third = parsed.new
    assert (visit.phone, visit.address, visit.username) == (None, "ул. Мира, 3", "petrov_p")
    assert call.birth_year == 1951 and call.consent_on == date(2026, 9, 1)
    assert call.username is None  # too short for Telegram: dropped, the person kept
    assert third.consent_on == date(2026, 10, 1) and third.username is None


def _xlsx(rows: list[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_typed_cells() -> None:
    data = _xlsx(
        [
            [],  # a blank row before the header
            HEADER_KK,
            ["Иванова Мария", 79031234567, 76, "yurga", None, datetime(2026, 11, 1), None],
            ["Петров Пётр", "+7 903 123-45-68", 80.0, "yurga", "ул. Мира", date(2026, 1, 5), None],
            ["Ким Олег", 89031234569.0, 81, "yurga", None, 46000, "@kim_oleg"],  # a serial day
            ["Ли Анна", None, 70, "yurga", None, datetime(2027, 1, 1), None],  # no contact
            [None, None, None, None, None, None, None],
        ]
    )
    parsed = ci.parse(data, _ctx())
    assert parsed.rows == 4
    first, second, third = parsed.new
    assert (first.phone, first.birth_year, first.consent_on) == (
        "+79031234567",
        1950,
        date(2026, 11, 1),
    )
    assert second.birth_year == 1946 and second.consent_on == date(2026, 1, 5)
    assert third.phone == "+79031234569" and third.consent_on == date(2025, 12, 9)
    assert third.username == "kim_oleg"
    (reject,) = parsed.rejects
    assert reject.reason is Reason.NO_CONTACT and reject.line == 6
    assert reject.cells[5] == "01.01.2027"


def test_duplicates_merge_shared_phones_stay_apart() -> None:
    base = [_good(i) for i in range(1, 6)]
    rows = [
        *base,
        # 3 true duplicates: same phone and name (other case and «ё»), same phone and year.
        ["ИВАНОВА  мария 1", base[0][1], "", "yurga", "", "01.11.2026", "@ivanova1"],
        [base[1][0], "8903100-00-02", "1950", "yurga", "", "02.11.2026", ""],
        ["Иванова М. 3", base[2][1], "1950", "yurga", "", "01.11.2026", ""],
        # 2 different people sharing a phone: another name and birth year.
        ["Иванов Пётр", base[3][1], "1947", "yurga", "", "01.11.2026", ""],
        ["Иванов Сергей", base[4][1], "1975", "yurga", "", "01.11.2026", ""],
    ]
    rows[5][2] = "1950"
    parsed = ci.parse(_csv([HEADER_RU, *rows]), _ctx())
    assert (parsed.rows, len(parsed.new), parsed.merged, len(parsed.rejects)) == (10, 7, 3, 0)
    assert parsed.new[0].username == "ivanova1"  # an empty field filled by the duplicate
    assert parsed.new[0].address == "ул. Ленина, 1"  # a filled one kept
    assert {p.full_name for p in parsed.new[5:]} == {"Иванов Пётр", "Иванов Сергей"}


def test_duplicates_of_people_already_in_the_campaign() -> None:
    existing = [
        ci.Existing(10, "+79031000001", "Иванова Мария 1", 1950, None, None),
        ci.Existing(11, "+79031000002", "Кто-то Другой", 1940, "ул. Мира", None),
        ci.Existing(12, None, "Петров Пётр", 1948, "ул. Мира, 3", None),
    ]
    rows = [
        _good(1),
        _good(2),
        ["Петров  Пётр", "", "1948", "yurga", "ул. мира, 3", "01.10.2026", ""],
    ]
    parsed = ci.parse(_csv([HEADER_RU, *rows]), _ctx(existing))
    assert parsed.merged == 2
    assert [p.full_name for p in parsed.new] == ["Иванова Мария 2"]
    assert parsed.updates == {10: {"address": "ул. Ленина, 1"}}


def test_rejected_file_and_template_open_in_excel() -> None:
    parsed = ci.parse(_csv([HEADER_RU, _good(1), ["", "1", "", "", "", "", ""]]), _ctx())
    data = ci.rejected_csv(parsed, "Причина", lambda reason: f"<{reason}>")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [[*HEADER_RU, "Причина"], ["", "1", "", "", "", "", "", "<name>"]]
    template = ci.template_xlsx(HEADER_RU, [*_good(1)[:5], date(2026, 11, 1), "@user"])
    parsed = ci.parse(template, _ctx())
    assert len(parsed.new) == 1 and parsed.new[0].consent_on == date(2026, 11, 1)
    assert len(ci.parse(ci.template_csv(HEADER_RU, _good(1)), _ctx()).new) == 1


@pytest.mark.parametrize("locale", ["ru", "kk"])
def test_template_headers_are_recognised(locale: str) -> None:
    translator = Translator("ru")
    headers = [translator.get(locale, f"cimp-col-{col.value}") for col in ci.TEMPLATE_COLUMNS]
    assert [ci._HEADERS[ci._header_key(h)] for h in headers] == list(ci.TEMPLATE_COLUMNS)


async def test_write_in_chunks(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ci, "CHUNK", 2)
    engine = create_engine(sqlite_url)
    sessions = create_sessionmaker(engine)
    try:
        await migrate.upgrade(engine)
        async with sessions() as session:
            await load_from_file(session, "kuzbass", NOW)
            ids = dict((await session.execute(select(Territory.code, Territory.id))).all())
            campaign = Campaign(
                name="Тест", rounds=[0, 7, 21], window_start=600, window_end=1140, attempts=3,
                retry_minutes=120, visit_after=None, created_by=1, created_at=NOW, updated_at=NOW,
            )  # fmt: skip
            session.add(campaign)
            await session.flush()
            session.add(CampaignTerritory(campaign_id=campaign.id, territory_id=ids["yurga"]))
            await session.commit()
            campaign_id = campaign.id
        coordinator = Roles(is_coordinator=True, territory_ids=frozenset({ids["tayga"]}))
        async with sessions() as session:
            assert await ci.target(session, campaign_id, coordinator) is ci.Refusal.OUT_OF_SCOPE
            hq = Roles(is_coordinator=True, is_hq=True)
            assert isinstance(await ci.target(session, campaign_id, hq), ci.Target)
            # A region's campaign: Tayga's coordinator imports Tayga's rows only.
            region = Campaign(
                name="Область", rounds=[0], window_start=600, window_end=1140, attempts=3,
                retry_minutes=120, visit_after=None, created_by=1, created_at=NOW, updated_at=NOW,
            )  # fmt: skip
            session.add(region)
            await session.flush()
            session.add(CampaignTerritory(campaign_id=region.id, territory_id=ids["kuzbass"]))
            await session.commit()
            assert isinstance(await ci.target(session, region.id, coordinator), ci.Target)
            scoped = await ci.load_context(session, region.id, coordinator, NOW)
            assert scoped.allowed == {ids["tayga"]} and ids["yurga"] in scoped.in_campaign
            ctx = await ci.load_context(session, campaign_id, hq, NOW)
        rows = [_good(i) for i in range(1, 6)] + [["Петров Пётр", "", "1948", "yurga", "", "", ""]]
        parsed = ci.parse(_csv([HEADER_RU, *rows]), ctx)
        import_id = await ci.open_import(
            sessions, campaign_id=campaign_id, user_id=1, file_name="a.csv",
            file_unique_id="u1", now=NOW,
        )  # fmt: skip
        assert import_id is not None
        async with sessions() as session:  # who is told of the new people: Yurga's callers
            for user_id, territory, skill in [
                (501, "yurga", "calls"),
                (502, "yurga", "delivery"),
                (503, "tayga", "calls"),
            ]:
                await touch_user(session, Profile(user_id, "Вол"), NOW, wrote_to_bot=True)
                application = volunteers.Application(
                    name="Вол Петров", phone="+79030000000", territory_id=ids[territory],
                    skills=(skill,), age_group="18-34", availability=("weekends",), dobro_id=None,
                )  # fmt: skip
                applied = await volunteers.submit(session, user_id, application, NOW)
                await volunteers.decide(
                    session, applied.id, approve=True, actor_id=1, reason=None, now=NOW
                )
            await session.commit()
        progress = ci.Progress()
        result = await ci.write(
            sessions, parsed, campaign_id=campaign_id, import_id=import_id, user_id=1,
            roles=hq, now=NOW, progress=progress, next_call_data="cl:next:0:",
        )  # fmt: skip
        assert (result.rows, result.accepted, result.merged, result.rejected) == (6, 5, 0, 1)
        assert progress.written == 5
        async with sessions() as session:
            people = (await session.scalars(select(CampaignPerson))).all()
            assert len(people) == 5
            assert {(p.status, p.kind, p.import_id, p.due_at) for p in people} == {
                ("queued", "call", import_id, NOW)
            }
            record = await session.get(CampaignImport, import_id)
            assert record is not None and record.status == "done" and record.accepted == 5
            entry = await session.scalar(
                select(AuditEntry).where(AuditEntry.action == "campaign_import")
            )
            assert entry is not None and entry.details["reasons"] == {"no-contact": 1}
            told = (await session.scalars(select(OutboxMessage))).all()
            assert [(m.chat_id, m.idempotency_key) for m in told] == [
                (501, f"campaign:{campaign_id}:import:{import_id}:501")
            ]
            assert told[0].payload["text"]["args"]["count"] == 5
            # A second import of the same file merges everyone already there.
            again = ci.parse(
                _csv([HEADER_RU, *rows]), await ci.load_context(session, campaign_id, hq, NOW)
            )
        assert (len(again.new), again.merged) == (0, 5)
        async with sessions() as session:
            assert await session.scalar(select(func.count(CampaignPerson.id))) == 5
    finally:
        await engine.dispose()


async def test_progress_is_edited_in_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """At most every EDIT_SECONDS and only after EDIT_ROWS more rows; edit errors go by."""
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.methods import EditMessageText

    from handlers.coordinator import campaign_import as handler

    monkeypatch.setattr(handler, "EDIT_SECONDS", 0.01)
    monkeypatch.setattr(handler, "EDIT_ROWS", 100)
    edits: list[int] = []

    class Bot:
        async def edit_message_text(self, text: str, chat_id: int, message_id: int) -> None:
            edits.append(int(text))
            if len(edits) == 1:  # "message is not modified" and the like: harmless
                raise TelegramBadRequest(EditMessageText(text=text), "not modified")

    progress = ci.Progress()
    job = handler._Job(
        bot=Bot(),  # type: ignore[arg-type]
        sessionmaker=None,  # type: ignore[arg-type]
        translator=Translator("ru"),
        clock=None,  # type: ignore[arg-type]
        locale="ru",
        chat_id=1,
        progress_message_id=2,
        target=ci.Target(1, "x", (1,)),
        roles=Roles(),
        file_id="f",
        file_name="a.csv",
        file_unique_id="u",
    )

    async def work() -> str:
        for rows in (50, 150, 160, 170, 400, 420):
            progress.read = rows
            await asyncio.sleep(0.03)
        return "done"

    result = await job._watch(work(), lambda: str(progress.read), lambda: progress.read)
    assert result == "done"
    assert edits and 50 not in edits
    assert all(later - earlier >= 100 for earlier, later in itertools.pairwise(edits))


# --- the record's life: one running per campaign, every end through the outbox ---------
HQ = Roles(is_coordinator=True, is_hq=True)


@pytest.fixture(autouse=True)
def _live(monkeypatch: pytest.MonkeyPatch) -> set[int]:
    """This process's running imports, per test (ids repeat across test databases)."""
    live: set[int] = set()
    monkeypatch.setattr(ci, "LIVE", live)
    return live


@pytest.fixture
async def campaign_db(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], int]]:
    monkeypatch.setattr(ci, "REJECTED_DIR", tmp_path / "rejected")
    engine = create_engine(sqlite_url)
    sessions = create_sessionmaker(engine)
    try:
        await migrate.upgrade(engine)
        async with sessions() as session:
            await load_from_file(session, "kuzbass", NOW)
            yurga = await session.scalar(select(Territory.id).where(Territory.code == "yurga"))
            assert yurga is not None
            campaign = Campaign(
                name="Обзвон <60+>", rounds=[0, 7], window_start=600, window_end=1140,
                attempts=3, retry_minutes=120, visit_after=None, created_by=1, created_at=NOW,
                updated_at=NOW,
            )  # fmt: skip
            session.add(campaign)
            await session.flush()
            session.add(CampaignTerritory(campaign_id=campaign.id, territory_id=yurga))
            await session.commit()
            campaign_id = campaign.id
        yield sessions, campaign_id
    finally:
        await engine.dispose()


async def _open(sessions: async_sessionmaker[AsyncSession], campaign_id: int) -> int | None:
    return await ci.open_import(
        sessions, campaign_id=campaign_id, user_id=1, file_name="a.csv", file_unique_id="u",
        now=NOW,
    )  # fmt: skip


async def _parsed(
    sessions: async_sessionmaker[AsyncSession], campaign_id: int, rows: list[list[str]]
) -> ci.Parsed:
    async with sessions() as session:
        ctx = await ci.load_context(session, campaign_id, HQ, NOW)
    return ci.parse(_csv([HEADER_RU, *rows]), ctx)


async def _outbox(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def _status(sessions: async_sessionmaker[AsyncSession], import_id: int) -> str:
    async with sessions() as session:
        record = await session.get(CampaignImport, import_id)
        assert record is not None
        return record.status


async def test_one_running_import_per_campaign(
    campaign_db: tuple[async_sessionmaker[AsyncSession], int],
) -> None:
    sessions, campaign_id = campaign_db
    first = await _open(sessions, campaign_id)
    assert first is not None
    assert sorted(ci.LIVE) == [first]
    async with sessions() as session:
        assert await ci.import_running(session, campaign_id)
    assert await _open(sessions, campaign_id) is None  # the unique index refuses a second
    assert sorted(ci.LIVE) == [first]
    # Every end leaves «running», and the next import may open.
    await ci.refused(
        sessions, campaign_id=campaign_id, user_id=1, roles=HQ, problem=FileProblem.EMPTY,
        now=NOW, import_id=first, message=OutgoingMessage(text=Text(key="cimp-error-empty")),
    )  # fmt: skip
    assert await _status(sessions, first) == ci.REFUSED
    second = await _open(sessions, campaign_id)
    assert second is not None
    assert await ci.mark_failed(
        sessions, second, chat_id=1, message=OutgoingMessage(text=Text(key="cimp-failed")),
        now=NOW,
    )  # fmt: skip
    assert not await ci.mark_failed(sessions, second)  # ended once
    assert await _status(sessions, second) == ci.FAILED
    third = await _open(sessions, campaign_id)
    assert third is not None
    parsed = await _parsed(sessions, campaign_id, [_good(1)])
    await ci.write(
        sessions, parsed, campaign_id=campaign_id, import_id=third, user_id=1, roles=HQ, now=NOW
    )
    assert await _status(sessions, third) == ci.DONE
    async with sessions() as session:
        assert not await ci.import_running(session, campaign_id)
    assert [(m.chat_id, m.idempotency_key) for m in await _outbox(sessions)] == [
        (1, f"cimp:{first}:refused"),
        (1, f"cimp:{second}:failed"),
    ]


async def test_the_result_and_the_rejected_file_go_through_the_outbox(
    campaign_db: tuple[async_sessionmaker[AsyncSession], int],
) -> None:
    sessions, campaign_id = campaign_db
    import_id = await _open(sessions, campaign_id)
    assert import_id is not None
    bad = ["", "+79031112233", "1950", "yurga", "", "01.11.2026", ""]
    parsed = await _parsed(sessions, campaign_id, [_good(1), _good(2), bad])
    data = ci.rejected_csv(parsed, "Причина", lambda reason: reason.value)
    path = ci.store_rejected(data)
    assert _stored(path) == data
    report = ci.Report(
        chat_id=77, result=OutgoingMessage(text=Text(literal="итог"), locale="ru"),
        rejected_path=path, rejected_name=f"rejected-{import_id}.csv",
        rejected_caption=Text(key="cimp-rejected-caption"), locale="ru",
    )  # fmt: skip
    result = await ci.write_people(sessions, parsed, campaign_id=campaign_id, import_id=import_id,
                                   now=NOW)  # fmt: skip
    assert await _outbox(sessions) == []  # nothing before the record is done
    finish = dict(campaign_id=campaign_id, user_id=77, roles=HQ, now=NOW, report=report)
    assert await ci.finish(sessions, parsed, result, **finish)  # type: ignore[arg-type]
    assert await _status(sessions, import_id) == ci.DONE
    sent = await _outbox(sessions)
    assert [(m.chat_id, m.idempotency_key, m.personal) for m in sent] == [
        (77, f"cimp:{import_id}:result", False),
        (77, f"cimp:{import_id}:rejected", True),  # the file: purged once delivered
    ]
    assert sent[0].payload["text"]["literal"] == "итог"
    attachment = sent[1].payload["attachment"]
    assert attachment == {
        "kind": "document", "file_id": None, "path": path,
        "filename": f"rejected-{import_id}.csv",
    }  # fmt: skip
    # Finished once: a second finish (or one after a sweep took it) sends nothing.
    assert not await ci.finish(sessions, parsed, result, **finish)  # type: ignore[arg-type]
    assert len(await _outbox(sessions)) == 2


def _stored(path: str) -> bytes:
    assert Path(path).parent == ci.REJECTED_DIR
    assert Path(path).stat().st_mode & 0o077 == 0  # names and phones: the bot's user only
    return Path(path).read_bytes()


def test_old_rejected_files_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ci, "REJECTED_DIR", tmp_path / "rejected")
    assert ci.drop_old_rejected() == 0  # no directory yet
    old = ci.store_rejected(b"old")
    os.utime(old, (0, 0))
    new = ci.store_rejected(b"new")  # removes the old one on the way
    assert not Path(old).exists() and Path(new).exists()
    os.utime(new, (0, 0))
    assert ci.drop_old_rejected() == 1
    assert not Path(new).exists()


async def test_a_restart_mid_import_is_swept_once(
    campaign_db: tuple[async_sessionmaker[AsyncSession], int],
) -> None:
    sessions, campaign_id = campaign_db
    import_id = await _open(sessions, campaign_id)
    assert import_id is not None
    # The process died after two chunks: people saved, the record left running, no task.
    parsed = await _parsed(sessions, campaign_id, [_good(i) for i in range(1, 4)])
    await ci.write_people(sessions, parsed, campaign_id=campaign_id, import_id=import_id, now=NOW)
    # This process's own running import is left alone.
    assert await ci.sweep_interrupted(sessions, NOW) == 0
    assert await _status(sessions, import_id) == ci.RUNNING
    ci.LIVE.discard(import_id)  # it was another process's, which died
    # Several processes on one database: only a record older than STALE_AFTER is dead.
    assert await ci.sweep_interrupted(sessions, NOW, several_processes=True) == 0
    later = NOW + ci.STALE_AFTER + timedelta(seconds=1)
    assert await ci.sweep_interrupted(sessions, later, several_processes=True) == 1
    assert await ci.sweep_interrupted(sessions, NOW) == 0  # a second start: nothing again
    async with sessions() as session:
        record = await session.get(CampaignImport, import_id)
        assert record is not None
        assert (record.status, record.accepted, record.finished_at) == (ci.FAILED, 3, later)
    [notice] = await _outbox(sessions)
    assert (notice.chat_id, notice.idempotency_key) == (1, f"cimp:{import_id}:interrupted")
    assert notice.payload["text"] == {
        "key": "cimp-interrupted", "args": {"name": "Обзвон &lt;60+&gt;", "saved": 3},
        "literal": None,
    }  # fmt: skip
    for locale in ("ru", "kk"):
        text = Translator("ru").get(locale, "cimp-interrupted", name="Обзвон", saved=3)
        assert "3" in text and "Обзвон" in text
    # The import's record is no longer running: a new import of the same file may open.
    assert await _open(sessions, campaign_id) is not None


async def test_merged_people_are_updated_in_bulk(
    campaign_db: tuple[async_sessionmaker[AsyncSession], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ci, "CHUNK", 2)
    sessions, campaign_id = campaign_db
    first = await _open(sessions, campaign_id)
    assert first is not None
    plain = [[*_good(i)[:4], "", _good(i)[5], ""] for i in range(1, 6)]  # no address, username
    await ci.write(
        sessions, await _parsed(sessions, campaign_id, plain), campaign_id=campaign_id,
        import_id=first, user_id=1, roles=HQ, now=NOW,
    )  # fmt: skip
    again = await _open(sessions, campaign_id)
    assert again is not None
    fuller = [_good(i) for i in range(1, 6)]
    for i, row in enumerate(fuller[1:], start=2):  # the first fills the address only
        row[6] = f"@user_{i}"
    parsed = await _parsed(sessions, campaign_id, fuller)
    assert (len(parsed.new), parsed.merged, len(parsed.updates)) == (0, 5, 5)
    statements: list[tuple[str, int]] = []

    def count(conn: object, cursor: object, sql: str, params: object, *args: object) -> None:
        if sql.lstrip().upper().startswith("UPDATE CAMPAIGN_PEOPLE"):
            statements.append((sql, len(params) if isinstance(params, list) else 1))

    engine = sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        later = NOW + timedelta(hours=1)
        await ci.write_people(sessions, parsed, campaign_id=campaign_id, import_id=again,
                              now=later)  # fmt: skip
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # Chunks of 2: [1, 2] in two groups of columns, [3, 4], [5]: four executemany, not five
    # statements a person.
    assert sorted(n for _, n in statements) == [1, 1, 1, 2]
    async with sessions() as session:
        people = (await session.scalars(select(CampaignPerson).order_by(CampaignPerson.id))).all()
    expected = [(row[4], row[6].removeprefix("@") or None) for row in fuller]
    assert [(p.address, p.username) for p in people] == expected
    assert {p.updated_at for p in people} == {later}
