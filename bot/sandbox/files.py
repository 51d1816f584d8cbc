"""Stored files (sent by people or by the bot) with Telegram-like ids and paths."""

from __future__ import annotations

import hashlib
import mimetypes
import secrets
import struct
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile refuses bigger files
MAX_UPLOAD_SIZE = 50 * 1024 * 1024  # multipart uploads by bots
MAX_PHOTO_SIZE = 10 * 1024 * 1024

_PREFIX = {
    "document": "BQACAgIAAxkBAAI",
    "photo": "AgACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
}
_FOLDER = {"document": "documents", "photo": "photos", "sticker": "stickers", "voice": "voice"}


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # document | photo | sticker | voice
    data: bytes
    file_name: str | None
    mime_type: str | None
    file_path: str
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        return len(self.data)

    def document_api(self) -> JSON:
        doc: JSON = {}
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        doc.update(file_id=self.file_id, file_unique_id=self.file_unique_id, file_size=self.size)
        return doc

    def voice_api(self, duration: int = 1) -> JSON:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": self.size,
        }

    def photo_api(self) -> list[JSON]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": self.size,
                "width": self.width,
                "height": self.height,
            }
        ]

    def file_api(self) -> JSON:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width/height of PNG, GIF, JPEG or WebP data; None when it is not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if len(data) >= 24:
            w, h = struct.unpack(">II", data[16:24])
            return int(w), int(h)
        return None
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return int(w), int(h)
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(w), int(h)
            seg_len = struct.unpack(">H", data[i + 2 : i + 4])[0]
            i += 2 + int(seg_len)
        return None
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            w = int.from_bytes(data[24:27], "little") + 1
            h = int.from_bytes(data[27:30], "little") + 1
            return w, h
        if chunk == b"VP8 ":
            w, h = struct.unpack("<HH", data[26:30])
            return int(w) & 0x3FFF, int(h) & 0x3FFF
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def guess_mime(filename: str | None, declared: str | None) -> str | None:
    # Telegram trusts the file name over the (usually generic) declared part type.
    guessed = mimetypes.guess_type(filename)[0] if filename else None
    if guessed:
        return guessed
    if declared and declared != "application/octet-stream":
        return declared
    return "application/octet-stream" if filename else None


class FileStore:
    def __init__(self) -> None:
        self.by_id: dict[str, StoredFile] = {}
        self.by_path: dict[str, StoredFile] = {}
        self._counter = 0

    def add(
        self,
        kind: str,
        data: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
        size: tuple[int, int] | None = None,
    ) -> StoredFile:
        self._counter += 1
        unique = hashlib.sha1(data + kind.encode()).hexdigest()[:12]
        file_id = _PREFIX[kind] + secrets.token_urlsafe(24)
        ext = ""
        if kind == "photo":
            ext = ".jpg"
        elif kind == "sticker":
            ext = ".webp"
        elif kind == "voice":
            ext = ".oga"
        elif file_name and "." in file_name:
            ext = "." + file_name.rsplit(".", 1)[1]
        path = f"{_FOLDER[kind]}/file_{self._counter}{ext}"
        width, height = size or (0, 0)
        stored = StoredFile(
            file_id=file_id,
            file_unique_id="AgAD" + unique,
            kind=kind,
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            file_path=path,
            width=width,
            height=height,
        )
        self.by_id[file_id] = stored
        self.by_path[path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self.by_id.get(file_id)
