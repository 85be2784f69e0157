"""The dashboard's views: each is built from a Session and redraws when it changes."""
