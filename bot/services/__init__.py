"""The domain: rules and state changes. Takes an AsyncSession and plain data; no aiogram."""
