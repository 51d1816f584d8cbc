"""Fluent translations: ru/*.ftl and kk/*.ftl ship as this package's data."""
