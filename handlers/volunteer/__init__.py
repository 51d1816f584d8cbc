"""Volunteer routers: sign-up (anyone), and later the volunteer's own tools."""
