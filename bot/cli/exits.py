"""Exit codes of every command (DESIGN §6)."""

EXIT_OK = 0  # success
EXIT_FAILED = 1  # the work failed: a feed did not fetch or parse, Discord refused the token
EXIT_USAGE = 2  # bad usage or bad config
