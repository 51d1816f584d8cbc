"""Coordinator routers; the role filter sits on their parent router in handlers/__init__."""
