"""One module per kind of job; each exposes ``async def tick(now)``."""
