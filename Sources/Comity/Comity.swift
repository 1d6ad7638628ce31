// The `Comity` library product: what an app or server embedding the engine imports.
// It re-exports the engine service (`Engine`), the engine, the scheduler, cron, the
// domain, the SQLite store, the bridge types the engine's API uses, and swift-log,
// whose Logger the runner takes.
@_exported import ComityEngine
@_exported import LuaBridge
@_exported import ComityCore
@_exported import ComitySQLite
@_exported import ComityScheduler
@_exported import ComityCron
@_exported import ComityService
@_exported import Logging
