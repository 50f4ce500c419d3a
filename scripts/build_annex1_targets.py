#!/usr/bin/env python3
"""Convert Annex I of Resolution 03/NQ-CP (the list of targets) into the demo fixture
``dxnet/indicators/data/nq03_annex1_targets.json``.

A one-off converter: it reads the Markdown copy in the shared data folder (or the path given)
and writes the JSON the product reads at run time. The product never reads the Markdown.

What it does with the table (``| TT | Chỉ tiêu | Đơn vị | Kết quả | Cơ quan chủ trì … |``):

* ``**I**`` / ``**II**`` rows open the 2030 and 2045 horizons;
* a row followed by its own sub-rows (11 → 11.1 … 11.12, 23 → 23.1 … 23.4) is a group heading,
  not an indicator: its text becomes the group of the sub-rows (its qualitative result, for 23,
  goes into their description);
* every other row is an indicator coded ``NQ03-PL1-<TT>``; rows of the 2045 horizon that repeat a
  2030 row (same name and unit: digital-economy size, world-class digital enterprises, leading
  technology organisations) are the same indicator with a second target, so a measure is not
  defined twice;
* value type, aggregation and direction follow from the unit of measure (see ``kind``);
* the expected result is parsed into a number where it is one (``≥ 80`` → 80, ``> 0,7`` → 0.7,
  ``40 - 50`` → 40, the lower bound; for ``≤ 3 Đông Nam Á; ≤ 50 Thế giới`` the world rank, 50);
  qualitative results keep their text and get no numeric target.

Usage: ``.venv/bin/python scripts/build_annex1_targets.py [SOURCE.md]``
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "corpus" / "nq-03-cp-2025-annex1-targets.md"
OUTPUT = ROOT / "dxnet" / "indicators" / "data" / "nq03_annex1_targets.json"

GROUP = "Nghị quyết 03/NQ-CP – Phụ lục I"
GROUP_EN = "Resolution 03/NQ-CP – Annex I"
# Short labels of the two group headings (an indicator's group holds at most 120 characters);
# the heading's full text goes into the description of its sub-rows.
HEADING_LABEL = {
    "11": ("Thủ tục hành chính, dịch vụ công, quản trị trên môi trường điện tử",
           "Administrative procedures, public services and governance online"),
    "23": ("Hạ tầng số", "Digital infrastructure"),
}

# English names, by row number (TT), translated for dxnet (the Resolution has no official English text).
NAME_EN = {
    "1": "Potential and level of science, technology and innovation",
    "2": "Technology and innovation level and capacity of enterprises",
    "3": "Fields of science and technology",
    "4": "Digital competitiveness ranking",
    "5": "E-government and digital government development index ranking",
    "6": "Ranking in artificial-intelligence research and development; hub for some digital-technology "
         "industries and fields where Viet Nam has an advantage",
    "7": "Digital-technology enterprises on a par with those of advanced countries",
    "8": "Contribution of total factor productivity (TFP) to economic growth",
    "9": "Share of high-tech product exports in the total value of goods exports",
    "10": "Size of the digital economy",
    "11": "Administrative procedures, public services, direction, operation and internal governance in the "
          "electronic environment",
    "11.1": "Use of online public services by citizens and businesses",
    "11.2": "Share of eligible administrative procedures provided as full-process online public services",
    "11.3": "Share of valid dossiers and results of administrative procedures (digitised)",
    "11.4": "Share of administrative-procedure results issued electronically",
    "11.5": "Share of reuse of digitised information and data in handling administrative procedures and public "
            "services",
    "11.6": "Share of online payments in administrative procedures and public services",
    "11.7": "Share of administrative procedures received and handled regardless of administrative boundaries, "
            "between central and local levels and between levels of government",
    "11.8": "Share of licensing administrative procedures cut or automated",
    "11.9": "Share of internal administrative procedures between state agencies in licensing that are cut",
    "11.10": "Share of documents and work files of state administrative agencies processed end-to-end "
             "electronically",
    "11.11": "Share of the tasks of administrative agencies tracked, managed and supervised electronically",
    "11.12": "Share of state agencies directing, operating and governing internally in the electronic environment",
    "12": "Share of non-cash transactions",
    "13": "Share of enterprises with innovation activities",
    "14": "Science, technology and innovation contribute significantly to building and developing the cultural "
          "and social values of Viet Nam and its people",
    "15": "Expenditure on research and development (R&D)",
    "16": "Share of non-state funding in research and development (R&D) expenditure",
    "17": "Annual state-budget expenditure on science, technology, innovation and national digital "
          "transformation",
    "18": "Human resources in scientific research, technology development and innovation",
    "19": "Science and technology organisations ranked regionally and globally",
    "20": "Average growth of international scientific publications",
    "21": "Average growth of patent applications and patents granted",
    "22": "Share of patent applications and patents exploited commercially",
    "23": "Digital infrastructure",
    "23.1": "Share of users able to access fixed broadband faster than 1 Gb/s",
    "23.2": "New submarine fibre-optic cables put into operation",
    "23.3": "Total design capacity of submarine fibre-optic cables",
    "23.4": "5G coverage of the population",
    "24": "Smart cities completed in centrally-run cities and eligible provinces",
    "25": "Additional world-leading technology organisations and enterprises establishing headquarters, "
          "investing in research and production in Viet Nam",
    "26": "State management from central to local level in the digital environment, connected and running "
          "smoothly between the agencies of the political system",
    "27": "Completion of building, connecting and synchronously sharing the national and sectoral databases",
    "28": "Data exchanges established",
    "29": "National data centres established",
    "30": "Population aged 15 and over with a bank account",
    "31": "Share of the adult population with a digital or electronic personal signature",
    "32": "Share of people with an electronic health record",
    "33": "Cyber-security ranking",
    "34": "A leading science and technology research facility of the Public Security sector on a par with "
          "advanced countries, becoming a centre for research, design, manufacturing and production that "
          "gradually masters strategic technologies applied in public-security work",
    "35": "Share of Make in Vietnam in the total revenue of Viet Nam's digital industry",
    "36": "Size of the digital economy",
    "37": "Global Innovation Index",
    "38": "Density of digital-technology enterprises",
    "39": "Digital-technology enterprises on a par with those of advanced countries",
    "40": "Additional world-leading technology organisations and enterprises establishing headquarters, "
          "investing in research and production in Viet Nam",
    "41": "Mastery of some technologies of chips and semiconductors, artificial intelligence, robotics and "
          "automation, biology, chemistry, advanced materials and security technologies applied to national "
          "security",
}

PERCENT_UNITS = {"%", "% GDP", "% tổng chi NSNN", "% dân số"}
COUNT_UNITS = {"Doanh nghiệp", "Tổ chức", "Tổ chức, doanh nghiệp", "Tuyến cáp quang biển", "Tbps",
               "Thành phố, Tỉnh", "Sàn dữ liệu", "Trung tâm dữ liệu quốc gia", "Cơ sở"}
NUMBER = r"(\d+(?:[.,]\d+)?)"


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_result(text: str) -> dict[str, object]:
    """The numeric target in an expected result, when there is one."""
    clean = text.replace(">=", "≥").replace("<=", "≤").strip()
    world = re.search(r"([≤≥<>])?\s*" + NUMBER + r"\s*Thế giới", clean)
    if world:
        return {"op": world.group(1) or "=", "value": _number(world.group(2))}
    rng = re.fullmatch(NUMBER + r"\s*%?\s*-\s*" + NUMBER + r"\s*%?", clean)
    if rng:
        return {"op": "range", "value": _number(rng.group(1)), "value_max": _number(rng.group(2))}
    single = re.match(r"([≤≥<>])?\s*" + NUMBER + r"\s*%?(?:\s|$)", clean + " ")
    if single and re.match(r"[≤≥<>\d]", clean):
        return {"op": single.group(1) or "=", "value": _number(single.group(2))}
    return {}


def _number(text: str) -> float | int:
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


def kind(unit: str, result: dict[str, object]) -> dict[str, object]:
    """Value type, aggregation up the tree, direction and decimals for a unit of measure.

    Annex I targets are national figures reported by the lead monitoring agency; the aggregation
    only matters if several units ever report one, so it is chosen to stay meaningful then:
    percentages average, counts add up, ranks, indices and densities keep the latest figure
    (they cannot be added or averaged across reporters), qualitative results are yes/no.
    """
    if not result:
        return {"value_type": "yes_no", "aggregation": "count_yes", "direction": "higher", "decimals": 0}
    if unit == "Thứ bậc":
        return {"value_type": "number", "aggregation": "latest", "direction": "lower", "decimals": 0}
    if unit in PERCENT_UNITS:
        return {"value_type": "percentage", "aggregation": "average", "direction": "higher", "decimals": 1}
    if unit == "%/năm":  # a growth rate: a plain number, it may exceed 100
        return {"value_type": "number", "aggregation": "average", "direction": "higher", "decimals": 1}
    if unit in COUNT_UNITS:
        return {"value_type": "number", "aggregation": "sum", "direction": "higher", "decimals": 0}
    # HDI, people per 10,000 inhabitants, enterprises per 1,000 inhabitants: not additive.
    decimals = 3 if "HDI" in unit else 1
    return {"value_type": "number", "aggregation": "latest", "direction": "higher", "decimals": decimals}


def convert(markdown: str) -> dict[str, object]:
    rows: list[tuple[int, list[str]]] = []
    year = 0
    for line in markdown.splitlines():
        if not line.startswith("|") or line.startswith("| ---") or line.startswith("| TT"):
            continue
        c = cells(line)
        if c[0].startswith("**"):
            year = 2030 if c[0].strip("*") == "I" else 2045
            continue
        rows.append((year, c))
    numbers = [c[0] for _, c in rows]
    headings = {n for n in numbers if any(m.startswith(n + ".") for m in numbers)}
    indicators: dict[tuple[str, str], dict[str, object]] = {}
    heading_of: dict[str, tuple[str, str, str]] = {}
    for year, (tt, name, unit, result_text, lead) in rows:
        name = re.sub(r"\s+", " ", name).strip()
        if tt in headings:
            heading_of[tt] = (name, NAME_EN[tt], result_text)
            continue
        parent = tt.split(".")[0] if "." in tt else ""
        group, group_en, description = GROUP, GROUP_EN, ""
        if parent in heading_of:
            h_name, h_en, h_result = heading_of[parent]
            label, label_en = HEADING_LABEL[parent]
            group = f"{GROUP} – {label}"
            group_en = f"{GROUP_EN} – {label_en}"
            description = f"{parent}. {h_name}" + (f": {h_result}." if h_result else ".")
        result = parse_result(result_text)
        target: dict[str, object] = {"year": year, "text": result_text, **result,
                                     "note": f"Nghị quyết 03/NQ-CP, Phụ lục I, chỉ tiêu {tt} "
                                             f"(đến năm {year}): {result_text}"}
        key = (name, unit)
        expected = f"Kết quả đến năm {year}: {result_text}."
        if key in indicators:
            existing = indicators[key]
            existing["rows"].append(tt)  # type: ignore[attr-defined]
            existing["targets"].append(target)  # type: ignore[attr-defined]
            existing["description"] = f"{existing['description']}\n{expected}"
            continue
        description = "\n".join(filter(None, [
            description, expected, f"Cơ quan chủ trì theo dõi, đánh giá: {lead}." if lead else "",
            f"Nguồn: Nghị quyết số 03/NQ-CP ngày 09/01/2025 của Chính phủ, Phụ lục I, chỉ tiêu {tt}."]))
        indicators[key] = {
            "code": f"NQ03-PL1-{tt}",
            "rows": [tt],
            "name": name,
            "name_en": NAME_EN[tt],
            "unit_of_measure": unit,
            "group": group,
            "group_en": group_en,
            "lead_agency": lead,
            "description": description,
            **kind(unit, result),
            "targets": [target],
        }
    return {
        "source": {
            "document": "Nghị quyết số 03/NQ-CP ngày 09/01/2025 của Chính phủ, Phụ lục I: Danh mục các chỉ tiêu cụ thể",
            "document_en": "Government Resolution 03/NQ-CP of 9 January 2025, Annex I: list of specific targets",
            "copied_from": "thetrungdtt/VNMasterplan, commit d969b03 (Markdown)",
            "licence": "Vietnamese legal documents are not protected by copyright (Law on Intellectual Property, "
                       "Art. 15)",
            "converter": "scripts/build_annex1_targets.py",
        },
        "indicators": list(indicators.values()),
    }


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    data = convert(source.read_text(encoding="utf-8"))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    n = len(data["indicators"])  # type: ignore[arg-type]
    targets = [t for i in data["indicators"] for t in i["targets"]]  # type: ignore[union-attr]
    numeric = sum(1 for t in targets if "value" in t)
    print(f"{OUTPUT.relative_to(ROOT)}: {n} indicators, {len(targets)} targets of which {numeric} numeric")


if __name__ == "__main__":
    main()
