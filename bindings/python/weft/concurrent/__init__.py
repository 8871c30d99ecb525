"""weft.concurrent: Python's `concurrent` package over weft (see weft.concurrent.futures)."""
