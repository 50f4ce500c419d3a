"""Fixtures of the chat tests (see ``chatkit``): ``own_index``, ``corpus``, ``llm_server``, ``llm``."""

from .chatkit import corpus, llm, llm_server, own_index  # noqa: F401
