import os

import pytest
from django.db import transaction

from tests.security.test_url_sweep import ROLES, Row, all_patterns, ask, clients, is_admin, named, outcome


@pytest.mark.skipif(not os.environ.get("SWEEP_DRAFT"), reason="draft")
def test_draft(world):
    posts = os.environ["SWEEP_DRAFT"].split(",")
    lines = []
    for pattern in named(all_patterns()):
        if is_admin(pattern.name):
            continue
        method = "POST" if pattern.name in posts else "GET"
        row = Row(*ROLES, method=method)
        res = {}
        with transaction.atomic():
            by_role = clients(world)  # fresh sessions: an earlier URL may have signed a client out
            for role, c in by_role.items():
                res[role] = outcome(ask(c, pattern, row, world)[1], "")
            transaction.set_rollback(True)
        vals = ", ".join(str(res[r]).upper().replace("-", "_") for r in ROLES)
        lines.append(f'    "{pattern.name}": {method.lower()}({vals}),')
    open("/tmp/sweep_draft.txt", "w").write("\n".join(lines) + "\n")
