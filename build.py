"""Entry point for the clinic repository: `python build.py --help`."""

from txplan.entry import run

if __name__ == "__main__":
    run()
