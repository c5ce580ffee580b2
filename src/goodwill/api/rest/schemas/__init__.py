"""The REST API's shapes, one module per resource: `XPublic` is what a route returns, `XCreate` / `XUpdate`
what it accepts. Lists are `Page[XPublic]`: `{"data": [...], "count": N}`."""
