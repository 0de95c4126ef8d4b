"""`python -m bot`: the command line (DESIGN §6)."""

from __future__ import annotations

from bot.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
