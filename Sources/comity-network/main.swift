import Comity
import ComityCommandLine

// The comity command line with the PostgreSQL store and the HTTP server linked: what
// `comity` hands `serve` and PostgreSQL workspaces to. Installed in PREFIX/libexec/comity/.
await ComityProgram.main(linking: ComityProgram.Parts(postgres: PostgresLink(), server: HTTPServerLink()))
