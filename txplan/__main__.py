from txplan.cli import run

run()
