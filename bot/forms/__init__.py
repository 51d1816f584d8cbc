"""Forms as data on one engine (bot/forms/engine.py); how to write one: bot/forms/README.md."""
