"""Indexing on the worker (see module docstring once implemented).

INTERFACE used by the documents app:

    def document_changed(*, document_id: int, actor=None) -> IndexJob
        # call inside the transaction that added, changed or withdrew a document; queues an
        # IndexJob and enqueues the task on commit. A withdrawn/deleted document is removed.
"""
