"""The Discord edge: the bot, its command tree, its senders and its slash commands."""
