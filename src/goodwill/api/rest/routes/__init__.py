"""One router per resource. Each route: parse (pydantic), check (deps: token, workspace, scope), get objects
through `access_*`, call the library, convert. Reads use a reader session, writes one transaction."""
