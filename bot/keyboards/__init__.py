"""Keyboards built from locale texts and CallbackData factories."""
