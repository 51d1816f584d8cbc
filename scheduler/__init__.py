"""APScheduler: periodic jobs that claim due rows and hand messages to the outbox."""
