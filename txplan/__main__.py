from txplan.entry import run

run()
