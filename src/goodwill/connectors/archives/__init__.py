"""Platform archive exports (X, Mastodon, Bluesky, LinkedIn, Facebook, Instagram): read whole, refused whole,
naming the file inside."""
