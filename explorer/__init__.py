"""Embedding Explorer: the library behind the app, usable from a notebook without Streamlit."""

__version__ = "0.1.0"
