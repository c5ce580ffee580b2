"""Platform archive exports (X, Mastodon): read whole, refused whole, naming the file inside."""
