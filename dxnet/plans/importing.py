"""Importing a real plan: a table of tasks (XLSX, CSV or a Markdown table such as Annex II of
Resolution 03/NQ-CP) becomes a programme and its tasks.

Three steps, each usable alone:

1. **read** (``read_upload``, ``read_markdown``, ``read_table``): the file → plain row dicts
   (group, number, title, lead, coordinators, output, deadline, line). Vietnamese or English
   headers, accents optional; Roman-numbered rows without a lead are group headings; rows
   without a number continue the task above (page breaks in the source).
2. **match** (``Matcher``): every agency name → units, with how it was matched (exact,
   abbreviation, accent-folded, lineage, collective, ambiguous, unknown). A unit no longer in
   force resolves through lineage to its successor ("Bộ Thông tin và Truyền thông → Bộ Khoa học
   và Công nghệ"); collective phrases ("các bộ, ngành, địa phương") expand to every ministry
   and/or province.
3. **store** (``programme_import``): after the user resolved the ambiguous and unknown names
   on the review screen, the programme and all its tasks in one transaction with one audit
   entry, or nothing at all (``Rejected`` names every bad row).

A task with several lead units (co-leads, or a collective lead) is stored as one task led by the
programme's issuing unit with one child task per lead unit: each unit then reports its own
progress, which rolls up to the parent like any cascaded task.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from dxnet.core import access, audit
from dxnet.core.text import fold
from dxnet.indicators.services import Rejected
from dxnet.network.models import Unit, UnitLineage, UnitType

from . import deadlines
from .deadlines import Deadline, DeadlineError
from .models import Programme, Task

FIELDS = ("group", "number", "title", "lead", "coordinators", "output", "deadline")
IGNORE = "ignore"

# --- reading ------------------------------------------------------------------------------------

# Folded header words → field. A header like "Nhóm/Group" matches through either part.
HEADERS: dict[str, str] = {
    "nhom": "group", "group": "group", "nhom nhiem vu": "group", "muc": "group", "section": "group",
    "stt": "number", "tt": "number", "so tt": "number", "so thu tu": "number", "no": "number",
    "number": "number", "#": "number",
    "nhiem vu": "title", "ten nhiem vu": "title", "noi dung": "title", "noi dung nhiem vu": "title",
    "task": "title", "title": "title",
    "co quan chu tri": "lead", "chu tri": "lead", "don vi chu tri": "lead", "lead": "lead",
    "lead agency": "lead", "lead unit": "lead",
    "co quan phoi hop": "coordinators", "phoi hop": "coordinators", "don vi phoi hop": "coordinators",
    "coordinating agencies": "coordinators", "coordinating units": "coordinators", "coordinators": "coordinators",
    "san pham": "output", "ket qua": "output", "san pham du kien": "output", "ket qua du kien": "output",
    "expected output": "output", "output": "output",
    "thoi han": "deadline", "thoi gian hoan thanh": "deadline", "thoi gian": "deadline",
    "han hoan thanh": "deadline", "thoi han hoan thanh": "deadline", "deadline": "deadline",
}
_ROMAN = re.compile(r"^\**\s*([IVXLC]+)\s*[.)]?\s*\**$")
_NUMBER = re.compile(r"^\**\s*(\d+(?:\.\d+)*)\s*[.)]?\s*\**$")


def _header_field(text: object) -> str | None:
    key = re.sub(r"[^a-z0-9#/ ]", " ", fold(str(text or "")))
    key = re.sub(r"\s+", " ", key).strip()
    if key in HEADERS:
        return HEADERS[key]
    for part in key.split("/"):
        if part.strip() in HEADERS:
            return HEADERS[part.strip()]
    return None


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\u00a0", " ").replace("<br>", " ").replace("<br/>", " ")
    return re.sub(r"\s+", " ", text).strip()


def read_table(rows: Iterable[tuple[int, Sequence[object]]]) -> list[dict[str, Any]]:
    """Rows (line number, cells) with a header row somewhere near the top → task row dicts."""
    columns: dict[int, str] | None = None
    out: list[dict[str, Any]] = []
    group = ""
    for line, cells in rows:
        texts = [_clean(c) for c in cells]
        if columns is None:
            found = {i: f for i, t in enumerate(texts) if (f := _header_field(t))}
            if "title" in found.values() and "lead" in found.values():
                columns = {}
                for i, f in sorted(found.items()):
                    if f not in columns.values():
                        columns[i] = f
            continue
        if not any(texts) or all(set(t) <= set("-: ") for t in texts):
            continue  # blank line, or a Markdown separator row
        row = {f: "" for f in FIELDS}
        for i, f in columns.items():
            if i < len(texts):
                row[f] = texts[i]
        number = row["number"]
        roman = _ROMAN.match(number)
        if roman and not row["lead"]:
            group = f"{roman.group(1)}. {row['title'].strip('* ')}".strip()
            continue
        if not number and not row["lead"] and out and not row["group"]:
            _continue(out[-1], row)
            continue
        if not row["title"].strip("* "):
            continue
        m = _NUMBER.match(number)
        row["number"] = m.group(1) if m else number.strip("* ")
        row["title"] = row["title"].strip("* ")
        row["group"] = row["group"] or group
        row["line"] = line
        out.append(row)
    if columns is None:
        raise Rejected([("1", _("header"), _(
            "No header row was found: the table needs at least the columns “Nhiệm vụ” (task) and "
            "“Cơ quan chủ trì” (lead agency)."))])
    return out


def _continue(previous: dict[str, Any], row: dict[str, Any]) -> None:
    """A row without number or lead continues the task above (a page break in the source)."""
    for f in ("title", "coordinators", "output", "deadline"):
        extra = row[f].strip()
        if not extra or fold(extra) in fold(previous.get(f, "") + " " + previous.get("lead", "")):
            continue
        previous[f] = f"{previous[f]} {extra}".strip()


def read_markdown(text: str) -> list[dict[str, Any]]:
    def lines() -> Iterable[tuple[int, list[str]]]:
        for n, line in enumerate(text.splitlines(), start=1):
            s = line.strip()
            if s.startswith("|"):
                yield n, [c.strip() for c in s.strip("|").split("|")]
    return read_table(lines())


def read_csv(content: bytes) -> list[dict[str, Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Rejected([("1", _("file"), _("The CSV file is not UTF-8 text: save it as “CSV UTF-8”."))]) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ("\t" if "\t" in first else ",")
    return read_table(enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1))


def read_xlsx(content: bytes) -> list[dict[str, Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for a file that is not a workbook
        raise Rejected([("1", _("file"), _("The file is not an Excel workbook (.xlsx)."))]) from None
    ws = wb.worksheets[0]
    return read_table(enumerate(ws.iter_rows(values_only=True), start=1))


def read_upload(name: str, content: bytes) -> list[dict[str, Any]]:
    lower = name.lower()
    if lower.endswith(".xlsx"):
        rows = read_xlsx(content)
    elif lower.endswith(".csv"):
        rows = read_csv(content)
    elif lower.endswith((".md", ".markdown", ".txt")):
        try:
            rows = read_markdown(content.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise Rejected([("1", _("file"), _("The file is not UTF-8 text."))]) from None
    else:
        raise Rejected([("1", _("file"), _("Upload an .xlsx, .csv or Markdown (.md) file."))])
    if not rows:
        raise Rejected([("1", _("file"), _("The table has a header but no task rows."))])
    return rows


def row_label(row: dict[str, Any]) -> str:
    if row.get("number"):
        return _("row %(line)s (task %(number)s)") % {"line": row.get("line", "?"), "number": row["number"]}
    return _("row %(line)s") % {"line": row.get("line", "?")}


# --- deadlines -----------------------------------------------------------------------------------


def parse_deadline(text: object) -> Deadline:
    """``deadlines.parse_deadline``, where a blank cell is an ongoing task without a stated cycle
    (Annex II has such rows)."""
    raw = _clean(text)
    if not raw.strip():
        return Deadline(Task.DeadlineKind.ONGOING, None, "", "")
    return deadlines.parse_deadline(raw)


# --- matching ------------------------------------------------------------------------------------


def _aligned_fold(text: str) -> str:
    """fold() character by character, so that positions in the result are positions in ``text``."""
    out = []
    for ch in text:
        if ch in "đĐ":
            out.append("d")
            continue
        base = unicodedata.normalize("NFD", ch)[0].lower()[:1] or " "
        out.append(base)
    return "".join(out)


def _key(text: str) -> str:
    """Folded, punctuation dropped (“Bộ KH&CN” → “bo khcn”, “LĐ-TB&XH” → “ldtbxh”)."""
    s = fold(text).replace("&", "").replace("-", " ").replace("–", " ")
    s = re.sub(r"[^a-z0-9 ]", "", s)
    return re.sub(r"\s+", " ", s).strip()


_LEVEL_PREFIX = re.compile(r"^(ubnd|uy ban nhan dan|so noi vu)?\s*(tinh|thanh pho|tp|xa|phuong|dac khu)?\s+")

# Collective phrases (on folded text). ``min`` is the expansion; the leading separator or "và" is
# part of the match so that the names around it split cleanly.
COLLECTIVES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(cac )?thanh pho truc thuoc (trung uong|tw)"), "cities"),
    (re.compile(r"(cac )?bo,? nganh,? (va )?dia phuong( lien quan| co lien quan)?"), "ministries_provinces"),
    (re.compile(r"(cac )?bo,? nganh( co lien quan| lien quan)?"), "ministries"),
    (re.compile(r"(ubnd |uy ban nhan dan )?(cac )?tinh,? thanh pho( truc thuoc (trung uong|tw))?"), "provinces"),
    (re.compile(r"(cac )?dia phuong( duoc lua chon| lien quan| co lien quan)?"), "provinces"),
    (re.compile(r"(ubnd |uy ban nhan dan )?(tat ca )?(cac )?xa,? phuong(,? dac khu)?|(ubnd )?cap xa"), "communes"),
    (re.compile(r"(cac )?so,? ban,? nganh"), "agencies"),
]
_SEPARATORS = re.compile(r"\s*[,;]\s*")
_GLUED_MINISTRY = re.compile(r"(?<=[a-zà-ỹ]) (?=Bộ [A-ZĐÀ-Ỹ])")
_TRAILING_AND = re.compile(r"^(và|va|and)\s+|\s+(và|va|and)$", re.IGNORECASE)


def split_names(text: str, protected: Iterable[str] = ()) -> list[tuple[str, str]]:
    """A cell of agency names → [(name, collective kind or "")], collective phrases and the
    ``protected`` names (folded unit names that contain a comma) kept whole."""
    original = _clean(text)
    folded = _aligned_fold(original)
    spans: list[tuple[int, int, str]] = []
    for name in protected:
        start = folded.find(name)
        while start >= 0:
            spans.append((start, start + len(name), ""))
            start = folded.find(name, start + len(name))
    for pattern, kind in COLLECTIVES:
        for m in pattern.finditer(folded):
            start, end = m.span()
            if any(s < end and start < e for s, e, _k in spans):
                continue
            before = folded[start - 1] if start else " "
            after = folded[end] if end < len(folded) else " "
            if before.isalnum() or after.isalnum():
                continue  # inside a word
            spans.append((start, end, kind))
    spans.sort()
    out: list[tuple[str, str]] = []
    cursor = 0

    def plain(chunk: str) -> None:
        for part in _SEPARATORS.split(chunk):
            for piece in _GLUED_MINISTRY.split(part):
                piece = _TRAILING_AND.sub("", piece.strip(" .:;,")).strip(" .:;,")
                if piece:
                    out.append((piece, ""))

    for start, end, kind in spans:
        plain(original[cursor:start])
        rest = original[end:]
        if kind == "provinces" and re.match(r"\s+[A-ZĐÀ-Ỹ]", rest):
            # "các địa phương Bắc Ninh, Bình Dương": named provinces, not all of them.
            pass
        else:
            out.append((original[start:end].strip(), kind))
        cursor = end
    plain(original[cursor:])
    return out


@dataclass
class Match:
    name: str
    method: str  # exact, abbreviation, folded, lineage, collective, ambiguous, unknown
    unit_ids: list[int] = field(default_factory=list)
    candidate_ids: list[int] = field(default_factory=list)
    via_id: int | None = None  # the unit no longer in force, for a lineage match
    event: str = ""
    effective_on: str = ""
    collective: str = ""

    @property
    def resolved(self) -> bool:
        return self.method not in ("ambiguous", "unknown")

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "method": self.method, "unit_ids": self.unit_ids,
                "candidate_ids": self.candidate_ids, "via_id": self.via_id, "event": self.event,
                "effective_on": self.effective_on, "collective": self.collective}


class Matcher:
    """Agency names → units. Candidates are the national unit, ministries (current and merged),
    provinces (current and pre-2025), agencies, and — for a programme issued inside a province —
    that province's communes."""

    def __init__(self, *, owner: Unit, on: dt.date | None = None) -> None:
        from django.utils import timezone

        self.owner = owner
        self.on = on or timezone.localdate()
        qs = Unit.objects.filter(unit_type__in=[UnitType.NATIONAL, UnitType.MINISTRY, UnitType.PROVINCE,
                                                UnitType.AGENCY])
        units = list(qs)
        if owner.unit_type != UnitType.NATIONAL:
            units += list(Unit.objects.current(self.on).subtree_of(owner).filter(unit_type=UnitType.COMMUNE))
        self.units: dict[int, Unit] = {u.pk: u for u in units}
        self.exact: dict[str, set[int]] = {}
        self.folded: dict[str, set[int]] = {}
        self.abbrev: dict[str, set[int]] = {}
        self.core: dict[str, set[int]] = {}
        for u in units:
            self.exact.setdefault(re.sub(r"\s+", " ", u.name.strip()), set()).add(u.pk)
            for name in (u.name, u.name_en):
                if name:
                    self.folded.setdefault(_key(name), set()).add(u.pk)
            keys = {u.code.lower()}
            if u.short_name:
                short = _key(u.short_name)
                keys |= {short, short.replace(" ", ""), re.sub(r"^bo ", "", short)}
            if u.unit_type == UnitType.MINISTRY:
                words = [w for w in _key(u.name).split() if w != "va"]
                initials = "".join(w[0] for w in words)
                keys |= {initials, initials[1:] if words and words[0] == "bo" else initials}
            for k in keys:
                if k:
                    self.abbrev.setdefault(k, set()).add(u.pk)
            if u.unit_type in (UnitType.PROVINCE, UnitType.COMMUNE):
                self.core.setdefault(_LEVEL_PREFIX.sub("", _key(u.name)), set()).add(u.pk)
                if u.short_name:
                    self.core.setdefault(_key(u.short_name), set()).add(u.pk)
        self.protected = sorted({_aligned_fold(u.name) for u in units if "," in u.name}, key=len, reverse=True)
        self._collective_cache: dict[str, list[int]] = {}
        self._cache: dict[str, Match] = {}

    def split(self, text: str) -> list[tuple[str, str]]:
        return split_names(text, self.protected)

    # one name
    def match(self, name: str, collective: str = "") -> Match:
        cache_key = f"{collective}|{name}"
        if cache_key not in self._cache:
            self._cache[cache_key] = self._match(name, collective)
        return self._cache[cache_key]

    def _match(self, name: str, collective: str) -> Match:
        if collective:
            return Match(name, "collective", self.expand(collective), collective=collective)
        clean = re.sub(r"\s+", " ", name.strip())
        key = _key(clean)
        for method, ids in (
            ("exact", self.exact.get(clean)),
            ("folded", self.folded.get(key)),
            ("abbreviation", self.abbrev.get(key) or self.abbrev.get(key.replace(" ", ""))),
            ("folded", self.core.get(_LEVEL_PREFIX.sub("", key)) or self.core.get(key)),
            ("folded", self._prefix(key)),
        ):
            if ids:
                return self._settle(clean, method, ids)
        return Match(clean, "unknown")

    def _prefix(self, key: str) -> set[int]:
        """A name cut short ("Ngân hàng Nhà nước" for "… Việt Nam"): units whose folded name
        starts with it, at least two words long."""
        if len(key.split()) < 2:
            return set()
        return {pk for k, ids in self.folded.items() if k.startswith(key + " ") for pk in ids}

    def _settle(self, name: str, method: str, ids: set[int]) -> Match:
        units = [self.units[i] for i in sorted(ids)]
        current = [u for u in units if u.is_current(self.on)]
        if current:
            if len(current) == 1:
                return Match(name, method, [current[0].pk])
            return Match(name, "ambiguous", candidate_ids=[u.pk for u in current])
        from dxnet.network.selectors import unit_successors

        successors: dict[int, tuple[Unit, Unit]] = {}
        for legacy in units:
            for succ in unit_successors(unit=legacy, on=self.on, primary_only=True):
                successors.setdefault(succ.pk, (legacy, succ))
        if len(successors) == 1:
            legacy, succ = next(iter(successors.values()))
            self.units.setdefault(succ.pk, succ)
            link = UnitLineage.objects.filter(predecessor=legacy).order_by("-is_primary").first()
            return Match(name, "lineage", [succ.pk], via_id=legacy.pk, event=link.event if link else "",
                         effective_on=link.effective_on.isoformat() if link else "")
        if successors:
            for _legacy, succ in successors.values():
                self.units.setdefault(succ.pk, succ)
            return Match(name, "ambiguous", candidate_ids=sorted(successors))
        return Match(name, "unknown")

    def expand(self, kind: str) -> list[int]:
        if kind not in self._collective_cache:
            current = Unit.objects.current(self.on)
            if kind == "cities":
                qs = current.filter(unit_type=UnitType.PROVINCE, level_name__iexact="Thành phố")
            elif kind == "ministries_provinces":
                qs = current.filter(unit_type__in=[UnitType.MINISTRY, UnitType.PROVINCE])
            elif kind == "ministries":
                qs = current.filter(unit_type=UnitType.MINISTRY)
            elif kind == "provinces":
                qs = current.filter(unit_type=UnitType.PROVINCE)
            elif kind == "communes":
                qs = current.subtree_of(self.owner).filter(unit_type=UnitType.COMMUNE)
            else:
                qs = current.subtree_of(self.owner).filter(unit_type=UnitType.AGENCY)
            units = list(qs.order_by("path"))
            for u in units:
                self.units.setdefault(u.pk, u)
            self._collective_cache[kind] = [u.pk for u in units]
        return self._collective_cache[kind]

    # a whole table
    def names_of(self, rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Every distinct name of the table with its match, where it appears (lead/coordinator)
        and whether it may be ignored (never when it is a task's only chance of a lead)."""
        names: dict[str, dict[str, Any]] = {}
        for row in rows:
            leads = self.split(row.get("lead", ""))
            lead_matches = [self.match(n, c) for n, c in leads]
            auto_lead = any(m.resolved and m.unit_ids for m in lead_matches)
            for role, pieces, matches in (("lead", leads, lead_matches),
                                          ("coordinator", self.split(row.get("coordinators", "")), None)):
                for i, (n, c) in enumerate(pieces):
                    m = matches[i] if matches else self.match(n, c)
                    entry = names.setdefault(m.name, {**m.as_dict(), "roles": [], "rows": [], "lead_required": False})
                    if role not in entry["roles"]:
                        entry["roles"].append(role)
                    entry["rows"].append(row_label(row))
                    if role == "lead" and not auto_lead:
                        entry["lead_required"] = True
        return names


# --- storing -------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    programme: Programme
    tasks: int
    child_tasks: int
    names: dict[str, dict[str, Any]]
    methods: dict[str, int]
    deadline_kinds: dict[str, int]
    blank_deadlines: list[str]


def check_rows(rows: Sequence[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Every problem of the rows that does not depend on matching: deadlines and titles."""
    problems: list[tuple[str, str, str]] = []
    for row in rows:
        if not row.get("title"):
            problems.append((row_label(row), _("task"), _("The task has no title.")))
        try:
            parse_deadline(row.get("deadline", ""))
        except DeadlineError as exc:
            problems.append((row_label(row), _("deadline"), str(exc)))
    return problems


def _units_for(pieces: list[tuple[str, str]], matcher: Matcher, resolutions: dict[str, Any]) -> list[int]:
    ids: list[int] = []
    for n, c in pieces:
        m = matcher.match(n, c)
        chosen: Any = m.unit_ids if m.resolved else resolutions.get(m.name)
        if chosen in (None, IGNORE, ""):
            continue
        for pk in chosen if isinstance(chosen, list) else [int(chosen)]:
            if pk not in ids:
                ids.append(pk)
    return ids


def programme_import(
    *, actor: Any, owner: Unit, rows: Sequence[dict[str, Any]], title: str,
    resolutions: dict[str, Any] | None = None, kind: str = Programme.Kind.PLAN, code: str = "",
    legal_number: str = "", legal_date: dt.date | None = None, legal_issuer: str = "",
    starts_on: dt.date | None = None, ends_on: dt.date | None = None, description: str = "", source: str = "",
) -> ImportResult:
    """Create a programme issued by ``owner`` and all its tasks from imported rows, or nothing.

    ``resolutions`` maps every ambiguous or unknown name to a unit id or ``"ignore"`` (a name
    cannot be ignored where it leaves a task without a lead)."""
    access.check(actor, "change", owner, Programme)
    resolutions = resolutions or {}
    matcher = Matcher(owner=owner)
    problems = check_rows(rows)
    names = matcher.names_of(rows)
    valid_ids = set(matcher.units)
    for name, entry in names.items():
        if entry["method"] not in ("ambiguous", "unknown"):
            continue
        choice = resolutions.get(name)
        where = ", ".join(entry["rows"][:3]) + ("…" if len(entry["rows"]) > 3 else "")
        if choice in (None, ""):
            problems.append((where, _("agency"), _("“%(name)s” is not resolved: choose a unit or ignore it.")
                             % {"name": name}))
        elif choice != IGNORE and (not str(choice).isdigit() or int(choice) not in valid_ids):
            # Any unit the matcher knows may be chosen, not only the proposed candidates.
            problems.append((where, _("agency"), _("“%(name)s”: the chosen unit cannot be used.") % {"name": name}))
    if not title.strip():
        problems.append(("—", _("title"), _("The programme needs a title.")))
    code = (code or "").strip() or _auto_code(legal_number, title)
    if Programme.objects.filter(code=code).exists():
        problems.append(("—", _("code"), _("A programme with the code %(code)s already exists.") % {"code": code}))
    plans: list[tuple[dict[str, Any], Deadline, list[int], list[int]]] = []
    if not problems:
        for row in rows:
            leads = _units_for(matcher.split(row.get("lead", "")), matcher, resolutions)
            coords = [pk for pk in _units_for(matcher.split(row.get("coordinators", "")), matcher, resolutions)
                      if pk not in leads]
            if not leads:
                problems.append((row_label(row), _("lead unit"), _(
                    "The task has no lead unit: its lead agency was ignored or is blank.")))
                continue
            plans.append((row, parse_deadline(row.get("deadline", "")), leads, coords))
    if problems:
        raise Rejected(problems)

    kinds: dict[str, int] = {}
    blank: list[str] = []
    with transaction.atomic():
        programme = Programme.objects.create(
            code=code, title=title.strip()[:500], kind=kind, owner=owner, legal_number=legal_number,
            legal_date=legal_date, legal_issuer=legal_issuer, starts_on=starts_on, ends_on=ends_on,
            description=description, created_by=actor if getattr(actor, "is_authenticated", False) else None)

        def task_for(row: dict[str, Any], d: Deadline, lead: int, parent: Task | None = None) -> Task:
            return Task(programme=programme, parent=parent, group=row.get("group", "")[:300],
                        number=str(row.get("number", ""))[:20], title=row["title"], lead_unit_id=lead,
                        expected_output=row.get("output", ""), deadline_kind=d.kind, deadline_text=d.text[:80],
                        deadline=d.due, reporting_cycle=d.cycle)

        parents = [task_for(row, d, leads[0] if len(leads) == 1 else owner.pk) for row, d, leads, _c in plans]
        Task.objects.bulk_create(parents, batch_size=500)
        children: list[Task] = []
        through = Task.coordinating_units.through
        links = []
        for task, (row, d, leads, coords) in zip(parents, plans, strict=True):
            kinds[d.kind] = kinds.get(d.kind, 0) + 1
            if not d.text:
                blank.append(row_label(row))
            links += [through(task_id=task.pk, unit_id=pk) for pk in coords]
            if len(leads) > 1:
                children += [task_for(row, d, pk, task) for pk in leads]
        Task.objects.bulk_create(children, batch_size=1000)
        through.objects.bulk_create(links, batch_size=2000)
        methods: dict[str, int] = {}
        for entry in names.values():
            methods[entry["method"]] = methods.get(entry["method"], 0) + 1
        audit.record(actor=actor, action="programme.import", obj=programme, unit=owner, after={
            "code": code, "title": programme.title, "source": source, "tasks": len(parents),
            "child_tasks": len(children), "coordinations": len(links), "matched": methods,
            "resolutions": {k: v for k, v in resolutions.items() if k in names},
        })
    return ImportResult(programme, len(parents), len(children), names, methods, kinds, blank)


def _auto_code(legal_number: str, title: str) -> str:
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    base = re.sub(r"[^A-Z0-9]+", "-", fold(legal_number or title).upper()).strip("-")[:40] or "PLAN"
    return f"{base}-{timezone.localdate():%Y%m%d}-{get_random_string(4, 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789')}"
