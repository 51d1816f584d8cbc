"""Small wrappers around Bot API calls that handlers share."""

from __future__ import annotations

from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message


async def edit_text(
    message: Message, text: str, reply_markup: InlineKeyboardMarkup | None = None, **kwargs: Any
) -> None:
    """Edit a message; "message is not modified" (a double tap) is not an error."""
    try:
        await message.edit_text(text, reply_markup=reply_markup, **kwargs)
    except TelegramBadRequest as exc:
        if "message is not modified" not in exc.message:
            raise


def split_text(parts: list[str], limit: int = 3800) -> list[str]:
    """Join lines into as few messages as fit Telegram's 4096-character cap."""
    chunks: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current}\n{part}" if current else part
        if len(candidate) > limit and current:
            chunks.append(current)
            current = part
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks
