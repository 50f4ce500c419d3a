"""Demo plans (``manage.py load_demo_plans``), built from the seed articles; idempotent: a
programme whose code exists is left as it is.

(a) Đắk Lắk's action plan for Decree 73 (seed 000, fr / 001, hi): dissemination, evaluation
    criteria, rewards, protection of officials who take initiative, periodic evaluation and
    replication, the Department of Home Affairs monitoring, urging, guiding and synthesising
    reports for the Provincial People's Committee, and every commune writing its detailed plan
    (one child task per commune, some done, some done late, some overdue).
(b) Resolution 03/NQ-CP, Annex II: 140 tasks imported through ``importing.programme_import`` from
    the copy in ``data/`` — the Ministry of Information and Communications resolves through
    lineage to the Ministry of Science and Technology; names that are no unit of the network
    (VTV, the academies, enterprises…) are resolved below as a reviewer would.
(c) The Ministry of Culture, Sports and Tourism's emulation movement "Đổi mới sáng tạo và Bình
    dân học vụ số" 2025–2030 (seed 002) with its phases and reviews.

Everything is written by the system (``actor=None``), with one audit entry per programme.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from dxnet.core import audit
from dxnet.network.models import Unit, UnitType

from . import importing
from .models import Phase, Programme, Task, TaskUpdate

DATA = Path(__file__).resolve().parent / "data"
ANNEX2 = DATA / "nq-03-cp-2025-annex2-tasks.md"

DAKLAK_CODE = "DAKLAK-KH-ND73-2025"
NQ03_CODE = "NQ03-2025-PL2"
MOVEMENT_CODE = "BVHTTDL-TD-DMST-BDHVS"


def load_demo_plans() -> dict[str, Programme]:
    return {
        "daklak": daklak_decree73(),
        "nq03": resolution03(),
        "movement": culture_movement(),
    }


# --- (a) Đắk Lắk, Decree 73 -----------------------------------------------------------------------

DAKLAK_TASKS: list[tuple[str, str, str, str, str]] = [
    # (group, title, lead: "SNV" or "PROVINCE", deadline, expected output)
    ("I. Tuyên truyền, phổ biến",
     "Tuyên truyền, phổ biến Nghị định số 73/2023/NĐ-CP đến toàn thể cán bộ, công chức, viên chức qua báo chí, "
     "cổng thông tin điện tử, bản tin nội bộ và hệ thống thông tin của từng cơ quan, đơn vị",
     "SNV", "Quý III/2025", "Tin, bài tuyên truyền; báo cáo kết quả phổ biến"),
    ("II. Hoàn thiện quy định và cơ chế",
     "Rà soát, đề xuất sửa đổi quy định về đánh giá, tuyển dụng, bổ nhiệm, chế độ đãi ngộ cán bộ, công chức để "
     "khuyến khích đổi mới, sáng tạo", "SNV", "12/2025", "Tờ trình, dự thảo quy định"),
    ("II. Hoàn thiện quy định và cơ chế",
     "Nghiên cứu cơ chế thí điểm tạo động lực cho cán bộ, công chức trong lĩnh vực hành chính công, khoa học, "
     "công nghệ và chuyển đổi số", "SNV", "2026", "Đề án cơ chế thí điểm"),
    ("II. Hoàn thiện quy định và cơ chế",
     "Xây dựng bộ tiêu chí đánh giá cán bộ về đổi mới sáng tạo, hiệu quả công việc và trách nhiệm",
     "SNV", "9/2025", "Bộ tiêu chí được UBND tỉnh ban hành"),
    ("III. Phát triển nhân lực",
     "Đào tạo, bồi dưỡng trực tiếp và trực tuyến về khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số; "
     "hình thành đội ngũ chuyên gia, cán bộ nòng cốt giai đoạn 2025-2030", "PROVINCE", "Thường xuyên",
     "Các lớp đào tạo, bồi dưỡng"),
    ("IV. Khen thưởng và bảo vệ cán bộ",
     "Khen thưởng tập thể, cá nhân có ý tưởng đổi mới, giải pháp hiệu quả", "SNV", "Hằng năm",
     "Quyết định khen thưởng"),
    ("IV. Khen thưởng và bảo vệ cán bộ",
     "Bảo vệ cán bộ dám nghĩ, dám làm, dám chịu trách nhiệm vì lợi ích chung khi kết quả chưa đạt như mong muốn "
     "nhưng đã thực hiện đúng quy định", "PROVINCE", "Thường xuyên", "Hồ sơ bảo vệ cán bộ"),
    ("V. Đánh giá, nhân rộng",
     "Định kỳ đánh giá việc thực hiện Nghị định 73; nhân rộng mô hình, giải pháp đổi mới sáng tạo và chuyển đổi "
     "số hiệu quả", "PROVINCE", "Hằng năm", "Báo cáo đánh giá; danh mục mô hình nhân rộng"),
    ("VI. Tổ chức thực hiện",
     "Theo dõi, đôn đốc, hướng dẫn việc thực hiện Kế hoạch; tổng hợp báo cáo UBND tỉnh", "SNV", "Thường xuyên",
     "Báo cáo tổng hợp định kỳ gửi UBND tỉnh"),
    ("VI. Tổ chức thực hiện",
     "Các sở, ban, ngành xây dựng kế hoạch chi tiết, bố trí nguồn lực và triển khai mô hình đổi mới sáng tạo",
     "PROVINCE", "9/2025", "Kế hoạch chi tiết của các sở, ban, ngành"),
]
COMMUNE_TASK = ("UBND các xã, phường xây dựng kế hoạch chi tiết thực hiện Nghị định 73, bố trí nguồn lực và triển "
                "khai mô hình đổi mới sáng tạo")


def daklak_decree73(*, today: dt.date | None = None) -> Programme:
    existing = Programme.objects.filter(code=DAKLAK_CODE).first()
    if existing:
        return existing
    today = today or timezone.localdate()
    province = Unit.objects.get(code="66")
    snv = Unit.objects.get(code="66-SNV")
    communes = list(Unit.objects.current().subtree_of(province).filter(unit_type=UnitType.COMMUNE).order_by("code"))
    with transaction.atomic():
        programme = Programme.objects.create(
            code=DAKLAK_CODE, kind=Programme.Kind.PLAN, owner=province,
            title="Kế hoạch thực hiện Nghị định 73/2023/NĐ-CP của Chính phủ quy định về khuyến khích, bảo vệ cán bộ "
                  "năng động, sáng tạo, dám nghĩ, dám làm, dám đột phá, dám chịu trách nhiệm vì lợi ích chung "
                  "trên địa bàn tỉnh Đắk Lắk",
            legal_issuer="Ủy ban nhân dân tỉnh Đắk Lắk", starts_on=dt.date(2025, 7, 1), ends_on=dt.date(2030, 12, 31),
            description="Gắn với Nghị quyết 57-NQ/TW và Chương trình 61-CTr/TU về phát triển khoa học, công nghệ, "
                        "đổi mới sáng tạo và chuyển đổi số. Sở Nội vụ chủ trì theo dõi, đôn đốc, hướng dẫn và tổng "
                        "hợp báo cáo UBND tỉnh; Ủy ban MTTQ Việt Nam tỉnh giám sát, phản biện.")
        tasks = []
        for i, (group, title, lead, deadline, output) in enumerate(DAKLAK_TASKS, start=1):
            d = importing.parse_deadline(deadline)
            tasks.append(Task(programme=programme, group=group, number=str(i), title=title,
                              lead_unit=snv if lead == "SNV" else province, expected_output=output,
                              deadline_kind=d.kind, deadline_text=d.text, deadline=d.due, reporting_cycle=d.cycle))
        Task.objects.bulk_create(tasks)
        # "Every commune writes its detailed plan": one parent, one child per commune.
        past, future = today - dt.timedelta(days=45), today + dt.timedelta(days=45)
        parent = Task.objects.create(
            programme=programme, group="VI. Tổ chức thực hiện", number=str(len(tasks) + 1), title=COMMUNE_TASK,
            lead_unit=province, expected_output="Kế hoạch chi tiết của UBND cấp xã",
            deadline_kind=Task.DeadlineKind.DATE,
            deadline_text=past.strftime("%d/%m/%Y"), deadline=past)
        children, updates = [], []
        for i, commune in enumerate(communes):
            state = {"24133": 0, "24373": 2}.get(commune.code, i % 4)  # Buôn Ma Thuột done, Ea Kar late
            deadline = future if state == 3 else past
            progress, completed = {0: (100, past - dt.timedelta(days=7)), 1: (100, past + dt.timedelta(days=12)),
                                   2: (40, None), 3: (20, None)}[state]
            if completed and completed > today:
                completed = today
            children.append(Task(
                programme=programme, parent=parent, group=parent.group, number=f"{parent.number}.{i + 1}",
                title=f"{commune.name}: xây dựng kế hoạch chi tiết thực hiện Nghị định 73", lead_unit=commune,
                expected_output="Kế hoạch chi tiết", deadline_kind=Task.DeadlineKind.DATE,
                deadline_text=deadline.strftime("%d/%m/%Y"), deadline=deadline, progress=progress,
                completed_on=completed))
        Task.objects.bulk_create(children, batch_size=500)
        at = timezone.now()
        for child in children:
            if child.progress:
                updates.append(TaskUpdate(task=child, unit=child.lead_unit, percent=child.progress, at=at,
                                          text="Đã hoàn thành và ban hành kế hoạch." if child.progress == 100
                                          else "Đang xây dựng dự thảo kế hoạch."))
        TaskUpdate.objects.bulk_create(updates, batch_size=500)
        done = sum(1 for c in children if c.progress == 100)
        parent.progress = round(sum(c.progress for c in children) / len(children)) if children else 0
        parent.save(update_fields=["progress"])
        audit.record(actor=None, action="programme.create", obj=programme, unit=province, after={
            "code": DAKLAK_CODE, "tasks": len(tasks) + 1, "commune_tasks": len(children), "communes_done": done,
            "source": "seed 000_5ebbeb52e0fd0130 (fr) / 001_e363069faa6f8720 (hi)"})
    return programme


# --- (b) Resolution 03/NQ-CP, Annex II ------------------------------------------------------------

# Names in the annex that are no unit of the network, resolved as a reviewer would on the review
# screen: co-lead fragments and bodies outside the Government's network are ignored; the tasks the
# academies and enterprises lead stay with the issuer (the Government, unit "VN").
NQ03_IGNORE = {
    "Ban Tuyên giáo Trung ương", "VTV", "VOV", "TTXVN", "Bộ", "Công nghệ", "Viện Hàn lâm Khoa học và Công nghệ",
    "là chủ quản CSDLQG", "CSDL chuyên ngành", "Các cơ quan Đảng", "Quốc hội", "Tòa án nhân dân tối cao",
    "Viện Kiểm sát nhân dân tối cao", "Bảo hiểm Xã hội Việt Nam", "doanh nghiệp liên quan",
    "các cơ quan đại diện Việt Nam ở nước ngoài", "một số tỉnh đủ điều kiện", "doanh nghiệp công nghệ số",
}
NQ03_TO_ISSUER = {"Viện Hàn lâm Khoa học và Công nghệ Việt Nam", "Viện Hàn lâm Khoa học Xã hội Việt Nam", "Tập đoàn"}


def resolution03() -> Programme:
    existing = Programme.objects.filter(code=NQ03_CODE).first()
    if existing:
        return existing
    owner = Unit.objects.get(code="VN")
    rows = importing.read_markdown(ANNEX2.read_text(encoding="utf-8"))
    names = importing.Matcher(owner=owner).names_of(rows)
    resolutions: dict[str, Any] = {}
    for name, entry in names.items():
        if entry["method"] not in ("ambiguous", "unknown"):
            continue
        if name in NQ03_TO_ISSUER or (entry["lead_required"] and name not in NQ03_IGNORE):
            resolutions[name] = owner.pk
        else:
            resolutions[name] = importing.IGNORE
    result = importing.programme_import(
        actor=None, owner=owner, rows=rows, resolutions=resolutions, code=NQ03_CODE, kind=Programme.Kind.PROGRAMME,
        title="Chương trình hành động của Chính phủ thực hiện Nghị quyết số 57-NQ/TW về đột phá phát triển khoa học, "
              "công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia (Phụ lục II)",
        legal_number="03/NQ-CP", legal_date=dt.date(2025, 1, 9), legal_issuer="Chính phủ",
        starts_on=dt.date(2025, 1, 9), ends_on=dt.date(2030, 12, 31), source=ANNEX2.name)
    return result.programme


# --- (c) Ministry of Culture, Sports and Tourism: emulation movement ------------------------------


def culture_movement() -> Programme:
    existing = Programme.objects.filter(code=MOVEMENT_CODE).first()
    if existing:
        return existing
    ministry = Unit.objects.get(code="BVHTTDL")
    with transaction.atomic():
        programme = Programme.objects.create(
            code=MOVEMENT_CODE, kind=Programme.Kind.MOVEMENT, owner=ministry,
            title="Phong trào thi đua “Đổi mới sáng tạo và Bình dân học vụ số” giai đoạn 2025–2030",
            legal_issuer="Bộ Văn hóa, Thể thao và Du lịch", starts_on=dt.date(2025, 1, 1),
            ends_on=dt.date(2030, 12, 31),
            description="Nâng cao nhận thức, kiến thức khoa học, công nghệ, đổi mới sáng tạo và kỹ năng số của cán "
                        "bộ, công chức, viên chức, người lao động thuộc Bộ; hưởng ứng phong trào “Bình dân học vụ số” "
                        "của Thủ tướng Chính phủ và phong trào “Học tập số” của Bộ. Vụ Tổ chức cán bộ tham mưu Hội "
                        "đồng Thi đua – Khen thưởng Bộ. (Nguồn không nêu ngày, tháng của từng giai đoạn; các mốc "
                        "ngày dưới đây là giả định của dữ liệu mẫu.)")
        Phase.objects.bulk_create([
            Phase(programme=programme, name="Giai đoạn 1 (2025–2027)", starts_on=dt.date(2025, 1, 1),
                  ends_on=dt.date(2027, 6, 30)),
            Phase(programme=programme, name="Sơ kết giai đoạn 1", starts_on=dt.date(2027, 4, 1),
                  ends_on=dt.date(2027, 6, 30), is_review=True),
            Phase(programme=programme, name="Giai đoạn 2 (2027–2030)", starts_on=dt.date(2027, 7, 1),
                  ends_on=dt.date(2030, 12, 31)),
            Phase(programme=programme, name="Tổng kết phong trào", starts_on=dt.date(2030, 10, 1),
                  ends_on=dt.date(2030, 12, 31), is_review=True),
        ])
        specs = [
            ("Giai đoạn 1", "Các cơ quan, đơn vị thuộc Bộ ban hành Kế hoạch triển khai Phong trào thi đua theo chức "
             "năng, nhiệm vụ", "Quý III/2025", "Kế hoạch của các cơ quan, đơn vị"),
            ("Giai đoạn 1", "Tổ chức triển khai Phong trào thi đua thiết thực, hiệu quả; đẩy mạnh phong trào “Bình "
             "dân học vụ số” và “Học tập số” trong các cơ quan, đơn vị thuộc Bộ", "Thường xuyên",
             "Báo cáo kết quả định kỳ"),
            ("Giai đoạn 1", "Sơ kết, đánh giá, rút kinh nghiệm giai đoạn 1", "2027", "Báo cáo sơ kết"),
            ("Giai đoạn 2", "Triển khai giai đoạn 2 trên cơ sở kết quả sơ kết giai đoạn 1", "Thường xuyên",
             "Báo cáo kết quả định kỳ"),
            ("Giai đoạn 2", "Tổng kết Phong trào thi đua, khen thưởng tập thể, cá nhân tiêu biểu", "2030",
             "Báo cáo tổng kết; quyết định khen thưởng"),
        ]
        tasks = []
        for i, (group, title, deadline, output) in enumerate(specs, start=1):
            d = importing.parse_deadline(deadline)
            tasks.append(Task(programme=programme, group=group, number=str(i), title=title, lead_unit=ministry,
                              expected_output=output, deadline_kind=d.kind, deadline_text=d.text, deadline=d.due,
                              reporting_cycle=d.cycle))
        Task.objects.bulk_create(tasks)
        audit.record(actor=None, action="programme.create", obj=programme, unit=ministry, after={
            "code": MOVEMENT_CODE, "phases": 4, "tasks": len(tasks), "source": "seed 002_d92a4e627e8fbc57"})
    return programme
