"""``python -m jaya_pulumi.cli``: the ``jaya`` command without the console script."""

from __future__ import annotations

from jaya_pulumi.cli import main

if __name__ == "__main__":
    main()
