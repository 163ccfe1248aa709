"""Long-text benchmark: what one very long description costs the process that receives it.

    .venv/bin/python bench/long_text.py            # a scratch SQLite database under /tmp, removed afterwards

For each adversarial text (a run of digits, of letters, of digits and letters, Chinese with phone numbers) it times,
in CPU seconds of this process:
  - creating a case through the REST API (the whole stack: serializer, service, similarity flagging in-process) with
    a description at the limit (DESCRIPTION_MAX characters) and with 100,000 characters (refused with a message);
  - the similarity text pass (place keys and problem words) and the masking of the same 100,000 characters.
The place-name pattern of the previous release is timed on the same runs, to show what the bound changed.
"""

import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCRATCH = Path(tempfile.mkdtemp(prefix="ruziniu-longtext-"))
os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH / 'bench.sqlite3'}"
os.environ.pop("CELERY_BROKER_URL", None)
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["LOG_LEVEL"] = "ERROR"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts import roles  # noqa: E402
from cases import reference  # noqa: E402
from cases.models import DESCRIPTION_MAX, Category, Channel, RequestType  # noqa: E402
from cases.personal import mask_text  # noqa: E402
from matters.text import place_keys, strip_places  # noqa: E402
from places.models import Neighbourhood  # noqa: E402

# The place-name pattern before it was bounded (matters/text.py of the previous release).
OLD_GENERIC_PLACE = re.compile(
    r"[0-9０-９一二三四五六七八九十百甲乙丙丁A-Za-z]+\s*(?:号楼|号|栋|幢|弄|室|单元|座|楼|层|期|区|支弄)"
    r"|[A-Z]\d*[市区县]|西地省|上海市?|静安区?"
)
TEXTS = {
    "digits": "1",
    "letters": "a",
    "digits+letters": "1a",
    "chinese+phones": "电梯停运请回电13812345678，",
}


def cpu(function) -> tuple[float, object]:
    started = time.process_time()
    result = function()
    return time.process_time() - started, result


def main() -> None:
    call_command("migrate", verbosity=0)
    reference.load()
    from django.contrib.auth.models import Group, User

    from accounts.models import Profile

    user = User.objects.create_user("bench-staff", password="x" * 12)
    user.groups.add(Group.objects.get(name=roles.STAFF))
    Profile.objects.create(user=user)
    hood = Neighbourhood.objects.create(name="句容里居委会")
    client = APIClient()
    client.force_authenticate(user)
    base = {
        "title": "长文本",
        "category": Category.objects.exclude(parent=None).first().pk,
        "neighbourhood": hood.pk,
        "request_type": RequestType.objects.first().pk,
        "channel": Channel.objects.first().pk,
    }
    print(f"settings: DESCRIPTION_MAX={DESCRIPTION_MAX:,}; database {settings.DATABASES['default']['ENGINE']}")
    heads = ("create at limit", 18), ("create 100k", 22), ("text pass 100k", 16), ("mask 100k", 11), ("old", 14)
    print(f"{'text':<16}" + "".join(f"{head:>{width}}" for head, width in heads))
    for label, unit in TEXTS.items():
        at_limit = (unit * (DESCRIPTION_MAX // len(unit) + 1))[:DESCRIPTION_MAX]
        huge = (unit * (100_000 // len(unit) + 1))[:100_000]
        t_limit, answer = cpu(
            lambda text=at_limit: client.post("/api/cases/", {**base, "description": text}, format="json")
        )
        assert answer.status_code == 201, answer.content[:300]
        t_huge, refused = cpu(
            lambda text=huge: client.post("/api/cases/", {**base, "description": text}, format="json")
        )
        assert refused.status_code == 400 and str(DESCRIPTION_MAX) in refused.content.decode()
        t_text, _ = cpu(lambda text=huge: (place_keys("", text), strip_places(text, [])))
        t_mask, _ = cpu(lambda text=huge: mask_text(text))
        old_input = huge[:20_000]
        t_old, _ = cpu(lambda text=old_input: OLD_GENERIC_PLACE.sub(" ", text))
        print(f"{label:<16}{t_limit:>16.3f} s{t_huge:>14.3f} s (400){t_text:>14.3f} s{t_mask:>9.3f} s{t_old:>10.2f} s*")
    print("* the previous release's place pattern alone, on the first 20,000 characters (it grows with the square of")
    print("  the run: 10,000 digits took 1.4 s and 30,000 took 12.7 s when measured on this machine).")


if __name__ == "__main__":
    try:
        main()
    finally:
        for path in SCRATCH.iterdir():
            path.unlink()
        SCRATCH.rmdir()
