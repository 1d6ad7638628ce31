import ComityExchange

/// An import's events start the workspace's workflows as a run's do.
extension EventQueuing: EventTriggers {}
