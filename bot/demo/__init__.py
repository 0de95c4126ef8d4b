"""`python -m bot demo`: real counts replayed through the real pipeline, no token needed."""
