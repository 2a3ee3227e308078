"""The bot's cogs: asking questions, and administration."""
