"""``manage.py load_demo_documents``: the demo corpus (policy texts, seed articles, and one
document published to Đắk Lắk only). Idempotent: documents already there are left as they are."""

from typing import Any

from django.core.management.base import BaseCommand

from dxnet.documents.demo import load_demo_documents


class Command(BaseCommand):
    help = "Load the demo documents (needs the units: run load_demo or load_units first)."

    def handle(self, *args: Any, **options: Any) -> None:
        created, skipped = load_demo_documents()
        if options["verbosity"]:
            for doc in created:
                self.stdout.write(f"{doc.slug}: {len(doc.text)} characters, audience {doc.audience.code}")
            self.stdout.write(f"Documents: {len(created)} published, {len(skipped)} already there.")
