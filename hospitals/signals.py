"""A changed hospital changes travel estimates: the helipad list is read again, and the matrix is
warmed again once the change commits.

The helipads are held in process memory (`hospitals.matrix.helipads`), so dropping them is needed
for correctness. The warm-up is not (cache keys contain the places, see `hospitals.matrix`); it only
spares the next reader the computation (an OSRM request per pair when OSRM is used).
"""

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from hospitals import matrix
from hospitals.models import Hospital
from hospitals.tasks import recompute_travel_matrix

logger = logging.getLogger(__name__)


def schedule_matrix_recompute() -> None:
    """Queue one recompute for a burst of changes; never let this break the save that caused it."""
    try:
        if not matrix.travel_cache().add(matrix.RECOMPUTE_PENDING_KEY, 1, timeout=matrix.RECOMPUTE_PENDING_TTL_S):
            return
        recompute_travel_matrix.delay()
    except Exception:  # noqa: BLE001 — the next read computes what the warm-up would have
        logger.warning("could not queue the travel matrix recompute", exc_info=True)


@receiver(post_save, sender=Hospital, dispatch_uid="hospitals.travel_matrix.saved")
@receiver(post_delete, sender=Hospital, dispatch_uid="hospitals.travel_matrix.deleted")
def hospital_changed(sender, **kwargs) -> None:
    matrix.hospital_changed()  # first: the warm-up must see the new helipads
    transaction.on_commit(schedule_matrix_recompute)
