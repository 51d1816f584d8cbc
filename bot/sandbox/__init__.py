"""A local Telegram Bot API emulator with a chat page, for end-to-end tests and the sandbox.

emu = Emulator(tokens=["123456:sandbox-token"])
await emu.start(port=0)
bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))
alice = emu.user(1001, first_name="Алия", language_code="kk")
await alice.send_text("/start")
replies = await alice.wait_messages(1)
"""

from .botstate import Call, CallbackAnswer
from .emulator import DEFAULT_TOKEN, Emulator, serve
from .limits import FailRule, FaultConfig, LimitConfig
from .people import Group, MenuCommand, Person
from .world import ReplyKeyboard, StoredMessage, UserProfile

__all__ = [
    "DEFAULT_TOKEN",
    "Call",
    "CallbackAnswer",
    "Emulator",
    "FailRule",
    "FaultConfig",
    "Group",
    "LimitConfig",
    "MenuCommand",
    "Person",
    "ReplyKeyboard",
    "StoredMessage",
    "UserProfile",
    "serve",
]
