"""Uploads (multipart), file_id reuse, getFile and downloads."""

from __future__ import annotations

import io
import struct
import zlib

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile

from bot.sandbox import Emulator, Person

from .conftest import drain


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def download(bot: Bot, file_id: str) -> bytes:
    info = await bot.get_file(file_id)
    assert info.file_path is not None
    buffer = io.BytesIO()
    await bot.download_file(info.file_path, buffer)
    return buffer.getvalue()


async def test_document_round_trip(bot: Bot, alice: Person) -> None:
    payload = bytes(range(256)) * 40
    sent = await bot.send_document(
        alice.id,
        BufferedInputFile(payload, filename="report.pdf"),
        caption="<b>Report</b>",
        parse_mode="HTML",
    )
    document = sent.document
    assert document is not None
    assert (document.file_name, document.mime_type, document.file_size) == (
        "report.pdf",
        "application/pdf",
        len(payload),
    )
    assert sent.caption == "Report"
    assert sent.caption_entities is not None and sent.caption_entities[0].type == "bold"
    assert await download(bot, document.file_id) == payload
    # A file_id seen before can be sent again without uploading.
    again = await bot.send_document(alice.id, document.file_id)
    assert again.document is not None
    assert again.document.file_unique_id == document.file_unique_id
    view = alice.messages[-1]
    assert view.document is not None and view.document["file_name"] == "report.pdf"


async def test_photo_upload(bot: Bot, alice: Person) -> None:
    image = png(40, 30)
    sent = await bot.send_photo(alice.id, BufferedInputFile(image, filename="p.png"), caption="pic")
    assert sent.photo is not None
    biggest = sent.photo[-1]
    assert (biggest.width, biggest.height) == (40, 30)
    assert await download(bot, biggest.file_id) == image
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(alice.id, BufferedInputFile(b"not an image", filename="x.png"))
    with pytest.raises(TelegramBadRequest, match="can't use file of type Photo as Document"):
        await bot.send_document(alice.id, biggest.file_id)


async def test_file_errors(bot: Bot, alice: Person) -> None:
    with pytest.raises(TelegramBadRequest, match="wrong file identifier/HTTP URL specified"):
        await bot.send_document(alice.id, "no-such-file-id")
    with pytest.raises(TelegramBadRequest, match="Bad Request: invalid file_id"):
        await bot.get_file("no-such-file-id")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message caption is too long"):
        await bot.send_document(
            alice.id, BufferedInputFile(b"x", filename="a.txt"), caption="c" * 1025
        )
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_document(777, BufferedInputFile(b"x", filename="a.txt"))


async def test_files_people_send_can_be_downloaded(emu: Emulator, bot: Bot, alice: Person) -> None:
    await alice.send_document(
        b"%PDF-1.4 data", filename="a.pdf", mime_type="application/pdf", caption="my doc"
    )
    await alice.send_photo(png(2, 2))
    await alice.send_sticker()
    doc_update, photo_update, sticker_update = await drain(bot)
    assert doc_update.message is not None and doc_update.message.document is not None
    assert doc_update.message.caption == "my doc"
    assert await download(bot, doc_update.message.document.file_id) == b"%PDF-1.4 data"
    assert photo_update.message is not None and photo_update.message.photo is not None
    assert await download(bot, photo_update.message.photo[-1].file_id) == png(2, 2)
    assert sticker_update.message is not None and sticker_update.message.sticker is not None
    async with aiohttp.ClientSession() as http:
        url = f"{emu.base_url}/file/bot123456:sandbox-token/documents/missing.pdf"
        async with http.get(url) as resp:
            assert resp.status == 404
