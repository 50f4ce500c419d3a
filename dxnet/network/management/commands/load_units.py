"""``manage.py load_units [--legacy]``: see ``dxnet.network.loaders``."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dxnet.network.loaders import build_plan, load_units


class Command(BaseCommand):
    help = (
        "Create or update Viet Nam's 34 provinces and 3,321 communes (from 1 July 2025), the ministries "
        "(from 1 March 2025) and the ministries they replaced; with --legacy also the 63 provinces, "
        "696 districts and ~10,000 communes before 1 July 2025 and their lineage. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--legacy", action="store_true",
            help="Also load the units in force until 30 June 2025 and link them to their successors.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        plan = build_plan(legacy=options["legacy"])
        result = load_units(plan=plan)
        elapsed = time.perf_counter() - started
        if options["verbosity"] < 1:
            return
        c = result.counts
        legacy_hint = "." if options["legacy"] else " (--legacy adds the old provinces, districts, communes)."
        moved = f", {result.moved_descendants} descendants moved along." if result.moved_descendants else "."
        lines = [
            f"Current: {c['provinces']} provinces, {c['communes']} communes, {c['ministries']} ministries "
            f"and ministry-level agencies.",
            f"Legacy: {c['legacy_ministries']} ministries, {c['legacy_provinces']} provinces, "
            f"{c['legacy_districts']} districts, {c['legacy_communes']} communes"
            + legacy_hint,
            f"Units: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
            + moved,
            f"Lineage links: {result.links_created} created, {result.links_updated} updated, "
            f"{result.links_unchanged} unchanged.",
        ]
        if options["legacy"]:
            lines.append(
                f"Old communes in the mapping without a successor: {c['legacy_communes_without_successor']}; "
                f"old communes missing from the mapping: {c['legacy_communes_not_in_mapping']}."
            )
        if options["verbosity"] >= 2:
            lines += [f"Source data: {name}: {n}" for name, n in sorted(result.notes.items()) if n]
        lines.append(f"Done in {elapsed:.1f} s" + ("." if result.changed else "; nothing changed."))
        style = self.style.SUCCESS if result.changed else self.style.NOTICE
        for line in lines[:-1]:
            self.stdout.write(line)
        self.stdout.write(style(lines[-1]))
