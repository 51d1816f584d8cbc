"""Delivery: the outbox worker that sends what the bot says on its own, within Telegram's
limits, in order per person, at least once."""
