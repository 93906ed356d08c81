"""Celery tasks of the hospitals app."""

from celery import shared_task

from hospitals import matrix


@shared_task(name="hospitals.recompute_travel_matrix", ignore_result=True)
def recompute_travel_matrix() -> int:
    """Warm the estimate matrix after a hospital changed. Idempotent: already-cached pairs are skipped."""
    try:
        matrix.travel_cache().delete(matrix.RECOMPUTE_PENDING_KEY)
    except Exception:  # noqa: BLE001 — the flag only de-duplicates; warming still helps
        pass
    return matrix.warm_travel_matrix()
