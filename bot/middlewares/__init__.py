"""Outer middlewares, registered in this order: logging → DB session → user and roles → i18n."""
