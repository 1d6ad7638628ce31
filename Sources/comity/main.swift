import ComityCommandLine

// The binary cron and an editing loop start: the SQLite store only, so that it is small
// and starts in milliseconds. `comity serve` and a PostgreSQL workspace are handed to
// comity-network, the same command line with those linked.
await ComityProgram.main(linking: ComityProgram.Parts())
