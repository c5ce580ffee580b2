"""The HTTP side of goodwill: a FastAPI app (`create_app`) and its routers. Routes stay thin over the library."""
