"""Polite HTTP fetching, the raw WARC archive and replay."""
