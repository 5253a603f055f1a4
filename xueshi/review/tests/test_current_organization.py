"""The lifecycle keeps `current_organization` (the review queue's index) with the position."""

from __future__ import annotations

import pytest

from xueshi.review.selectors import current_step, review_queue
from xueshi.review.services import declaration_approve, declaration_return, declaration_submit
from xueshi.review.tests.test_services import anyang_degree

pytestmark = pytest.mark.django_db


def test_current_organization_follows_the_chain_and_feeds_the_queues(demo):
    professional = demo.professional("李明")
    claim = anyang_degree(demo)
    assert claim.current_organization_id is None  # a draft waits nowhere
    claim = declaration_submit(declaration_id=claim.pk, actor=professional.user, role=professional)
    names = ("ay_yiyuan", "ay_weijian", "ay_xiehui")
    for index, username in enumerate(names):
        reviewer = demo.role(username)
        claim.refresh_from_db()
        step = current_step(claim)
        assert step is not None and claim.current_organization_id == step.organization_id
        assert list(review_queue(reviewer)) == [claim]
        others = [demo.role(name) for name in names if name != username]
        assert all(claim not in review_queue(other) for other in others)
        if index < len(names) - 1:
            declaration_approve(declaration_id=claim.pk, actor=reviewer.user, role=reviewer)
    # Returned: out of every queue.
    association = demo.role("ay_xiehui")
    claim = declaration_return(
        declaration_id=claim.pk, actor=association.user, role=association, reason="请补充"
    )
    claim.refresh_from_db()
    assert claim.current_organization_id is None
    assert not any(review_queue(demo.role(name)).exists() for name in names)
