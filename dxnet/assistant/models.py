"""The assistant's tables: passages (the unit of retrieval and citation), the index's state and
jobs, conversations, messages and feedback.

The search index itself (BM25 + vectors) lives in files under ``DXNET_ASSISTANT_DIR``, built by
the worker from the passages (see ``indexing.py``); a passage's vector is cached by the hash of
its text, so rebuilding or restarting never embeds the same text twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dxnet.documents.models import Document


class Passage(models.Model):
    """A chunk of a document's extracted text: ``document.text[start:end] == text``."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="passages")
    ordinal = models.PositiveIntegerField()
    heading = models.CharField(max_length=1000, blank=True)  # "Chương II › Điều 5"
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField()
    display = models.TextField(blank=True)  # the text with a table's header repeated, when it differs
    lang = models.CharField(max_length=2, default="vi")
    content_hash = models.CharField(max_length=64, db_index=True)  # key of the embedding cache

    class Meta:
        ordering = ["document", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["document", "ordinal"], name="passage_unique_ordinal")]

    def __str__(self) -> str:
        return f"{self.document.slug}#{self.ordinal}"

    @property
    def chunk_id(self) -> str:
        return str(self.pk)


class IndexState(models.Model):
    """One row: which generation of the index files is current. Web processes reload their
    in-memory index when the generation they hold is older."""

    generation = models.PositiveIntegerField(default=0)
    build_id = models.CharField(max_length=32, blank=True)  # names the directory of the files
    built_at = models.DateTimeField(null=True, blank=True)
    passages = models.PositiveIntegerField(default=0)
    documents = models.PositiveIntegerField(default=0)
    model = models.CharField(max_length=120, blank=True)

    def __str__(self) -> str:
        return f"index #{self.generation}"


class IndexJob(models.Model):
    """Indexing on the worker: one document (added, changed or removed) or everything."""

    class Action(models.TextChoices):
        INDEX = "index", _("Index a document")
        REMOVE = "remove", _("Remove a document")
        REBUILD = "rebuild", _("Rebuild everything")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    action = models.CharField(max_length=10, choices=Action.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)  # passages embedded or reused so far
    total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} {self.status} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return 100 if self.status == self.Status.DONE else (100 * self.done // self.total if self.total else 0)


class Conversation(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title or f"conversation {self.pk}"


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user", _("Question")
        ASSISTANT = "assistant", _("Answer")

    class Mode(models.TextChoices):
        EXTRACTIVE = "extractive", _("Extracted from the documents")
        LLM = "llm", _("Generated from the documents")
        FALLBACK = "fallback", _("Extracted (the language model did not answer)")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=10, choices=Role.choices)
    text = models.TextField()
    lang = models.CharField(max_length=2, blank=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, blank=True)
    abstained = models.BooleanField(default=False)
    notice = models.CharField(max_length=500, blank=True)  # e.g. why the language model was not used
    # [{"n", "passage", "document", "slug", "title", "number", "heading", "start", "end", "text"}]
    citations = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:60]}"


class Feedback(models.Model):
    class Rating(models.TextChoices):
        UP = "up", _("Helpful")
        DOWN = "down", _("Not helpful")

    class Reason(models.TextChoices):
        CORRECT = "correct", _("Correct and well cited")
        WRONG = "wrong", _("Wrong or misleading")
        INCOMPLETE = "incomplete", _("Incomplete")
        NOT_FOUND = "not_found", _("Did not find the document I know exists")
        CITATION = "citation", _("The citation does not support the answer")
        LANGUAGE = "language", _("Language or wording")
        OTHER = "other", _("Other")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.CharField(max_length=4, choices=Rating.choices)
    reason = models.CharField(max_length=12, choices=Reason.choices, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="feedback_once_per_user")]

    def __str__(self) -> str:
        return f"{self.rating} {self.reason}"
