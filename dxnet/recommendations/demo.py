"""Demo content: the ministry's quarterly state-management conference (seed 004) with 67
connection points — the 17 ministries, the 34 provinces and 16 other units — and the provinces'
recommendations answered on the spot with deadlines ("guidelines by 15 April", "in Q2").

Dates follow the day the demo is loaded, so that some answers are due, some overdue. Idempotent:
a session is found by chair and title, a recommendation by session and title.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dxnet.network.models import Unit, UnitType

from . import services
from .models import ConferenceSession, Recommendation

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
ABSENT = {"11", "BQP", "BCA"}  # a few points did not connect
OTHER_POINTS = ["66-SNV", "66-MTTQ", "24133", "24373", "00070"]  # + the first ward of 11 provinces


@dataclass(frozen=True)
class Demo:
    raised_by: str
    title: str
    text: str
    responsible: str | None = None
    due_in_days: int | None = None  # from the session date
    quarter: bool = False  # typed as "Quý N/YYYY" rather than a date
    answer: str = ""
    public: bool = False


RECOMMENDATIONS = [
    Demo("66", "Hướng dẫn đặt hàng dịch vụ công trực tuyến",
         "Đề nghị Bộ hướng dẫn quy trình, định mức để địa phương đặt hàng và vận hành dịch vụ công trực tuyến "
         "toàn trình, nhất là ở cấp xã.", "BKHCN", 35,
         answer="Bộ giao Cục Chuyển đổi số quốc gia ban hành hướng dẫn đặt hàng dịch vụ công trực tuyến trước "
                "thời hạn; dự thảo được gửi các Sở lấy ý kiến trong tháng này.", public=True),
    Demo("68", "Hướng dẫn triển khai Chiến lược dữ liệu quốc gia và Quy hoạch hạ tầng thông tin",
         "Đề nghị Bộ hướng dẫn địa phương xây dựng và triển khai Chiến lược dữ liệu quốc gia và Quy hoạch hạ tầng "
         "thông tin và truyền thông.", "BKHCN", 35,
         answer="Bộ trưởng giao Viện Chiến lược hoàn thành các hướng dẫn này trước thời hạn đã nêu.", public=True),
    Demo("44", "Bộ tiêu chí đô thị thông minh cấp huyện",
         "Đề nghị Bộ phối hợp với Bộ Xây dựng sớm ban hành bộ tiêu chí đô thị thông minh cấp huyện.",
         "BKHCN", 80, quarter=True,
         answer="Sẽ không có bộ tiêu chí đô thị thông minh cấp huyện. Bộ Xây dựng ban hành bộ tiêu chí cấp tỉnh; "
                "Cục Chuyển đổi số quốc gia hoàn thành hướng dẫn chuyển đổi số cấp xã trong quý.", public=True),
    Demo("01", "Hướng dẫn nâng tỷ lệ hồ sơ trực tuyến",
         "Đề nghị Bộ hướng dẫn các giải pháp nâng tỷ lệ hồ sơ thủ tục hành chính được xử lý trực tuyến toàn trình.",
         "BKHCN", 20),
    Demo("12", "Trợ lý ảo cho cán bộ, công chức cấp xã",
         "Đề nghị Bộ cung cấp nền tảng trợ lý ảo dùng chung để các xã không phải tự đầu tư.", "BKHCN", 120),
    Demo("22", "Bộ chỉ số phát triển văn hóa đọc",
         "Đề nghị sớm ban hành bộ chỉ số đo lường phát triển văn hóa đọc để địa phương có căn cứ đánh giá.",
         "BVHTTDL", 60, answer="Cục Xuất bản, In và Phát hành đang hoàn thiện bộ chỉ số, dự kiến ban hành trong quý."),
    Demo("15", "Cơ chế đặt hàng dịch vụ sự nghiệp công sử dụng ngân sách",
         "Đề nghị hướng dẫn cơ chế đặt hàng đối với đơn vị sự nghiệp công trong lĩnh vực thông tin và truyền "
         "thông, tháo gỡ vướng mắc về thể chế, nhân lực và tài chính.", "BTC", 25),
    Demo("79", "Nhân rộng mô hình Lễ hội đường sách",
         "Đề nghị Bộ hướng dẫn các địa phương nhân rộng mô hình Lễ hội đường sách.", "BVHTTDL", 45,
         answer="Bộ sẽ tổng kết mô hình của Thành phố và ban hành hướng dẫn nhân rộng trong năm.", public=True),
    Demo("33", "Luân chuyển cán bộ chuyển đổi số giữa các sở",
         "Đề nghị hướng dẫn việc luân chuyển cán bộ làm công tác chuyển đổi số giữa các sở, ngành."),
    Demo("96", "Kinh phí tập huấn tổ công nghệ số cộng đồng",
         "Đề nghị bố trí kinh phí tập huấn kỹ năng số cho thành viên tổ công nghệ số cộng đồng.", "BTC", 30),
]


def _typed(day: dt.date, quarter: bool) -> str:
    if quarter:
        return f"Quý {ROMAN[(day.month - 1) // 3 + 1]}/{day.year}"
    return f"{day.day}/{day.month}/{day.year}"


def connection_points() -> list[Unit]:
    current = Unit.objects.current()
    points = list(current.filter(unit_type=UnitType.MINISTRY).order_by("path"))
    points += list(current.filter(unit_type=UnitType.PROVINCE).order_by("path"))
    points += list(current.filter(code__in=OTHER_POINTS).order_by("path"))
    chosen = {u.pk for u in points}
    for province in current.filter(unit_type=UnitType.PROVINCE).exclude(code__in=["66", "01"]).order_by("path"):
        if len(points) >= 67:
            break
        ward = current.filter(parent=province, unit_type=UnitType.COMMUNE).order_by("code").first()
        if ward is not None and ward.pk not in chosen:
            points.append(ward)
            chosen.add(ward.pk)
    return points


def load(today: dt.date | None = None) -> ConferenceSession:
    today = today or timezone.localdate()
    chair = Unit.objects.get(code="BKHCN")
    session_date = today - dt.timedelta(days=40)
    quarter = (session_date.month - 1) // 3 + 1
    title = f"Hội nghị giao ban quản lý nhà nước quý {ROMAN[quarter]}/{session_date.year}"
    with transaction.atomic():
        session = ConferenceSession.objects.filter(chair=chair, title=title).first()
        if session is None:
            points = connection_points()
            session = services.session_create(
                actor=None, title=title, date=session_date, chair=chair, points=points,
                present=[u.pk for u in points if u.code not in ABSENT],
                notes="Trực tiếp và trực tuyến với 67 điểm cầu: các Bộ, ngành, Sở và các đơn vị chuyên trách "
                      "công nghệ thông tin. Giải đáp kiến nghị của địa phương ngay tại hội nghị.")
        for d in RECOMMENDATIONS:
            if Recommendation.objects.filter(session=session, title=d.title).exists():
                continue
            rec = services.recommendation_raise(actor=None, raised_by=Unit.objects.get(code=d.raised_by),
                                                title=d.title, text=d.text, session=session)
            if d.responsible:
                due = session_date + dt.timedelta(days=d.due_in_days or 30)
                services.recommendation_route(actor=None, recommendation=rec,
                                              responsible=Unit.objects.get(code=d.responsible),
                                              deadline=_typed(due, d.quarter))
            if d.answer:
                services.recommendation_answer(actor=None, recommendation=rec, answer=d.answer)
            if d.public:
                services.recommendation_publish(actor=None, recommendation=rec)
    return session
