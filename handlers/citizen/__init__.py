"""What every person can do: ask for help and follow their requests."""
