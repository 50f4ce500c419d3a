"""The chat page of the assistant. Thin: parse, call a service, render.

A question is an htmx post whose answer partial is appended to the conversation (a plain POST and
redirect without JavaScript). When a language model is configured, the htmx answer is a
placeholder that ``assistant.js`` fills from the ``stream`` view, then replaces with the stored
answer (citations, feedback). Conversations are their owner's alone: 404 for anyone else.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dxnet.indicators.services import Rejected

from . import answering, services
from .forms import AskForm, FeedbackForm
from .models import Conversation, Feedback, Message

EXAMPLES = [
    "Nghị quyết 57-NQ/TW đặt mục tiêu gì đến năm 2030?",
    "Quel est le plan de Dak Lak pour le décret 73 ?",
    "What does Resolution 03/NQ-CP ask ministries to do about online public services?",
    "bao ve du lieu ca nhan",
]


def _conversation(request: HttpRequest, pk: int) -> Conversation:
    conv = Conversation.objects.filter(pk=pk, user=request.user).first()
    if conv is None:
        raise Http404
    return conv


def _message(request: HttpRequest, pk: int) -> Message:
    msg = get_object_or_404(Message.objects.select_related("conversation"), pk=pk)
    if msg.conversation.user_id != request.user.pk:
        raise Http404
    return msg


def _exchanges(conv: Conversation, user: Any) -> list[dict[str, Any]]:
    """The conversation as (question, answer) pairs, with the user's feedback on each answer."""
    msgs = list(conv.messages.all())
    feedback = {f.message_id: f for f in Feedback.objects.filter(message__conversation=conv, user=user)}
    out: list[dict[str, Any]] = []
    for m in msgs:
        if m.role == Message.Role.USER:
            # an unanswered question (the page was left while streaming) is answered again on load
            out.append({"question": m, "answer": None, "pending": reverse("assistant:stream", args=[m.pk])})
        elif out and out[-1]["answer"] is None:
            out[-1]["answer"] = m
            out[-1]["feedback"] = feedback.get(m.pk)
    services.screen_answers(user, [e["answer"] for e in out])
    return out


def _page(request: HttpRequest, conv: Conversation | None, form: AskForm | None = None,
          status: int = 200) -> HttpResponse:
    convs = Conversation.objects.filter(user=request.user).order_by("-updated_at")[:50]
    form = form or AskForm()
    context = {
        "conversation": conv,
        "conversations": convs,
        "exchanges": _exchanges(conv, request.user) if conv else [],
        "form": form,
        "filters_open": bool(form.is_bound and any(form[f].value() for f in ("kind", "issuer", "signed_from",
                                                                               "signed_to"))),
        "examples": EXAMPLES,
        "is_admin": services.is_feedback_admin(request.user),
        "reasons": Feedback.Reason.choices,
        "llm": answering.llm_configured(),
        **_index_progress(),
    }
    return render(request, "assistant/chat.html", context, status=status)


def _index_progress() -> dict[str, Any]:
    """Whether the documents are indexed yet, and the indexing under way: an officer asking
    while the worker builds the first index must not read "the documents do not answer" as
    the truth."""
    from .models import IndexJob, IndexState
    from .views_index import ACTIVE

    state = IndexState.objects.order_by("-pk").first()
    active = IndexJob.objects.filter(status__in=ACTIVE).order_by("created_at")
    job = active.first()
    pending = active.count() if job else 0
    return {"index_ready": bool(state and state.generation and state.passages), "index_job": job,
            "index_pending": pending}


@login_required
def index_notice(request: HttpRequest) -> HttpResponse:
    """The chat page's indexing notice, refreshed every few seconds while indexing runs."""
    return render(request, "assistant/partials/index_notice.html", _index_progress())


@login_required
@require_GET
def chat(request: HttpRequest) -> HttpResponse:
    """A new conversation (empty state with examples) and the list of one's conversations."""
    return _page(request, None)


@login_required
@require_GET
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _conversation(request, pk))


@login_required
@require_POST
def ask(request: HttpRequest) -> HttpResponse:
    conv_id = request.POST.get("conversation") or ""
    conv = _conversation(request, int(conv_id)) if conv_id.isdigit() else None
    form = AskForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return _ask_errors(request, form)
        return _page(request, conv, form, status=422)
    created = conv is None
    if created:
        conv = services.conversation_start(actor=request.user)
    question = form.cleaned_data["question"]
    filters = form.filters()
    try:
        if request.htmx and answering.llm_configured():
            q = services.question_post(actor=request.user, conversation=conv, question=question)
            context = {"exchange": {"question": q, "answer": None, "pending": _stream_url(q, form)},
                       "conversation": conv, "created": created, "reasons": Feedback.Reason.choices}
        else:
            answer = services.question_ask(actor=request.user, conversation=conv, question=question, filters=filters)
            services.screen_answers(request.user, [answer])
            if not request.htmx:
                return redirect(reverse("assistant:conversation", args=[conv.pk]) + f"#m{answer.pk}")
            context = {"exchange": {"question": services.question_of(answer), "answer": answer},
                       "conversation": conv, "created": created, "reasons": Feedback.Reason.choices}
    except Rejected as exc:
        for _row, field, message in exc.errors:
            form.add_error(field if field in form.fields else None, message)
        if request.htmx:
            return _ask_errors(request, form)
        return _page(request, conv, form, status=422)
    context["first_conversation"] = created and not Conversation.objects.filter(user=request.user).exclude(
        pk=conv.pk).exists()
    response = render(request, "assistant/partials/exchange.html", context)
    if created:
        response["HX-Push-Url"] = reverse("assistant:conversation", args=[conv.pk])
    return response


def _ask_errors(request: HttpRequest, form: AskForm) -> HttpResponse:
    # htmx swaps only 2xx answers: the errors go to the form's error box instead of the conversation
    response = render(request, "assistant/partials/ask_errors.html", {"form": form})
    response["HX-Retarget"] = "#ask-errors"
    response["HX-Reswap"] = "innerHTML"
    return response


def _stream_url(question: Message, form: AskForm) -> str:
    from urllib.parse import urlencode

    url = reverse("assistant:stream", args=[question.pk])
    data = form.cleaned_data
    params: list[tuple[str, str]] = [("kind", k) for k in data.get("kind") or []]
    if data.get("issuer"):
        params.append(("issuer", data["issuer"]))
    for name in ("signed_from", "signed_to"):
        if data.get(name):
            params.append((name, data[name].isoformat()))
    return url + ("?" + urlencode(params) if params else "")


@login_required
@require_GET
def stream(request: HttpRequest, pk: int) -> HttpResponse:
    """The language model's answer to a stored question, streamed as plain text; the answer is
    stored when the stream ends (the extractive fallback when the model fails)."""
    question = services.pending_question(actor=request.user, message=_message(request, pk))
    form = AskForm({"question": question.text, **{k: request.GET.getlist(k) if k == "kind" else request.GET.get(k, "")
                                                   for k in ("kind", "issuer", "signed_from", "signed_to")}})
    if not form.is_valid():
        # never answer unfiltered what was asked with filters: the errors, like the ask form's
        response = render(request, "assistant/partials/ask_errors.html", {"form": form}, status=422)
        response["Cache-Control"] = "no-store"
        return response
    filters = form.filters()
    pieces = services.Stream(actor=request.user, question=question, filters=filters)
    response = StreamingHttpResponse(iter(pieces), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass the pieces on as they come
    return response


@login_required
@require_GET
def message(request: HttpRequest, pk: int) -> HttpResponse:
    """The rendered answer to a question (what the page swaps in once the stream ended)."""
    question = _message(request, pk)
    if question.role != Message.Role.USER:
        raise Http404
    answer = services.answer_of(question)
    if answer is None:
        raise Http404
    services.screen_answers(request.user, [answer])
    fb = Feedback.objects.filter(message=answer, user=request.user).first()
    return render(request, "assistant/partials/answer.html",
                  {"m": answer, "feedback": fb, "reasons": Feedback.Reason.choices})


@login_required
@require_POST
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    msg = _message(request, pk)
    form = FeedbackForm(request.POST)
    error = ""
    fb = None
    if form.is_valid():
        try:
            fb = services.feedback_give(actor=request.user, message=msg, rating=form.cleaned_data["rating"],
                                        reason=form.cleaned_data["reason"], comment=form.cleaned_data["comment"])
        except Rejected as exc:
            error = exc.errors[0][2]
    else:
        error = _("Choose helpful or not helpful.")
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Thank you for your feedback."))
        return redirect(reverse("assistant:conversation", args=[msg.conversation_id]) + f"#m{msg.pk}")
    fb = fb or Feedback.objects.filter(message=msg, user=request.user).first()
    return render(request, "assistant/partials/feedback.html",
                  {"m": msg, "feedback": fb, "thanks": not error, "error": error, "reasons": Feedback.Reason.choices},
                  status=200)  # htmx swaps 2xx only; the partial shows the error


@login_required
@require_GET
def feedback_export(request: HttpRequest) -> HttpResponse:
    data = services.feedback_export_csv(actor=request.user)
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="dxnet-assistant-feedback.csv"'
    return response
