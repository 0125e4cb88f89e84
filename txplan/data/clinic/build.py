"""The clinic's entry point: `python build.py` is the same program as `txplan`."""

from txplan.entry import run

if __name__ == "__main__":
    run()
