"""Retrieval for a person: the one entry point pages, the API and the evaluation use.

INTERFACE (owned by the indexing helper; chat and evaluation code call only this):

    @dataclass(frozen=True)
    class Retrieved:
        passage: Passage          # with .document loaded (select_related)
        score: float              # RRF in hybrid mode, BM25 or cosine otherwise
        bm25_rank: int | None
        dense_rank: int | None
        cosine: float | None

        def as_hit(self) -> rag.answer.Hit        # Chunk(doc_id=document.slug, ordinal, heading_path,
                                                  #       start, end, text, display)

    @dataclass(frozen=True)
    class Filters:
        kinds: tuple[str, ...] = ()              # DocumentKind values
        issuer: str = ""                         # accent-insensitive substring of Document.issuer
        signed_from: date | None = None
        signed_to: date | None = None
        documents: tuple[int, ...] = ()          # restrict to these document ids

    def search(*, actor, query: str, k: int = 10, mode: Mode = "hybrid",
               filters: Filters | None = None) -> list[Retrieved]
        # actor None = the system (everything); otherwise only passages of documents
        # access.visible(actor, Document.objects.published()) returns, filtered BEFORE ranking.
"""
