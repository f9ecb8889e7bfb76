"""``python -m newssift ...``: the same as the ``newssift`` command."""

from newssift.cli import main

if __name__ == "__main__":
    main()
