"""Ministries and ministry-level agencies of the Government, before and after the 2025
restructuring.

Source: Resolution 176/2025/QH15 of the National Assembly (18 February 2025) on the structure of
the Government for the 15th term, and the Government decrees of February 2025 that defined the
functions of each merged ministry, in force from 1 March 2025. English names follow the
Government's official usage (Circular 03/2009/TT-BNG and the ministries' own English names since
March 2025).

``code`` is the ASCII form of the abbreviation used in document numbers (BGDĐT → BGDDT).
``short_name`` is the abbreviation as the press and official letters write it; where Vietnamese
writing does not abbreviate a ministry ("Bộ Y tế", "Bộ Công an"), the name itself is the short
form, because "Bộ YT" is not something a reader would recognise.

Each legacy ministry lists its successors as (code, event, is_primary): a merger is one link from
each predecessor to the same successor; the split of the Ministry of Labour has exactly one
primary successor, the Ministry of Home Affairs, which took labour, wages, employment, social
insurance and people with meritorious services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

RESTRUCTURED_ON = dt.date(2025, 3, 1)
LEGACY_UNTIL = dt.date(2025, 2, 28)

CURRENT_MINISTRIES: list[dict[str, Any]] = [
    {"code": "BQP", "name": "Bộ Quốc phòng", "short_name": "Bộ Quốc phòng",
     "name_en": "Ministry of National Defence"},
    {"code": "BCA", "name": "Bộ Công an", "short_name": "Bộ Công an",
     "name_en": "Ministry of Public Security"},
    {"code": "BNG", "name": "Bộ Ngoại giao", "short_name": "Bộ Ngoại giao",
     "name_en": "Ministry of Foreign Affairs"},
    {"code": "BNV", "name": "Bộ Nội vụ", "short_name": "Bộ Nội vụ",
     "name_en": "Ministry of Home Affairs"},
    {"code": "BTP", "name": "Bộ Tư pháp", "short_name": "Bộ Tư pháp",
     "name_en": "Ministry of Justice"},
    {"code": "BTC", "name": "Bộ Tài chính", "short_name": "Bộ Tài chính",
     "name_en": "Ministry of Finance"},
    {"code": "BCT", "name": "Bộ Công Thương", "short_name": "Bộ Công Thương",
     "name_en": "Ministry of Industry and Trade"},
    {"code": "BNNMT", "name": "Bộ Nông nghiệp và Môi trường", "short_name": "Bộ NN&MT",
     "name_en": "Ministry of Agriculture and Environment"},
    {"code": "BXD", "name": "Bộ Xây dựng", "short_name": "Bộ Xây dựng",
     "name_en": "Ministry of Construction"},
    {"code": "BVHTTDL", "name": "Bộ Văn hóa, Thể thao và Du lịch", "short_name": "Bộ VHTTDL",
     "name_en": "Ministry of Culture, Sports and Tourism"},
    {"code": "BKHCN", "name": "Bộ Khoa học và Công nghệ", "short_name": "Bộ KH&CN",
     "name_en": "Ministry of Science and Technology"},
    {"code": "BGDDT", "name": "Bộ Giáo dục và Đào tạo", "short_name": "Bộ GD&ĐT",
     "name_en": "Ministry of Education and Training"},
    {"code": "BYT", "name": "Bộ Y tế", "short_name": "Bộ Y tế",
     "name_en": "Ministry of Health"},
    {"code": "BDTTG", "name": "Bộ Dân tộc và Tôn giáo", "short_name": "Bộ DT&TG",
     "name_en": "Ministry of Ethnic and Religious Affairs"},
    # Ministry-level agencies (cơ quan ngang bộ).
    {"code": "NHNN", "name": "Ngân hàng Nhà nước Việt Nam", "short_name": "NHNN",
     "name_en": "State Bank of Viet Nam"},
    {"code": "TTCP", "name": "Thanh tra Chính phủ", "short_name": "TTCP",
     "name_en": "Government Inspectorate"},
    {"code": "VPCP", "name": "Văn phòng Chính phủ", "short_name": "VPCP",
     "name_en": "Office of the Government"},
]

LEGACY_MINISTRIES: list[dict[str, Any]] = [
    {"code": "BTTTT", "name": "Bộ Thông tin và Truyền thông", "short_name": "Bộ TT&TT",
     "name_en": "Ministry of Information and Communications",
     "successors": [("BKHCN", "merged", True)]},
    {"code": "BKHDT", "name": "Bộ Kế hoạch và Đầu tư", "short_name": "Bộ KH&ĐT",
     "name_en": "Ministry of Planning and Investment",
     "successors": [("BTC", "merged", True)]},
    {"code": "BGTVT", "name": "Bộ Giao thông vận tải", "short_name": "Bộ GTVT",
     "name_en": "Ministry of Transport",
     "successors": [("BXD", "merged", True)]},
    {"code": "BTNMT", "name": "Bộ Tài nguyên và Môi trường", "short_name": "Bộ TN&MT",
     "name_en": "Ministry of Natural Resources and Environment",
     "successors": [("BNNMT", "merged", True)]},
    {"code": "BNNPTNT", "name": "Bộ Nông nghiệp và Phát triển nông thôn", "short_name": "Bộ NN&PTNT",
     "name_en": "Ministry of Agriculture and Rural Development",
     "successors": [("BNNMT", "merged", True)]},
    {"code": "BLDTBXH", "name": "Bộ Lao động – Thương binh và Xã hội", "short_name": "Bộ LĐ-TB&XH",
     "name_en": "Ministry of Labour, War Invalids and Social Affairs",
     "successors": [("BNV", "split", True), ("BGDDT", "split", False), ("BYT", "split", False)]},
    # The new ministry was founded on the Committee, adding religious affairs from Home Affairs:
    # the same body under a new name and remit, hence "renamed" rather than "merged".
    {"code": "UBDT", "name": "Ủy ban Dân tộc", "short_name": "UBDT",
     "name_en": "Committee for Ethnic Minority Affairs",
     "successors": [("BDTTG", "renamed", True)]},
]
