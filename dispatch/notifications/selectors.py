"""Reads about team alerting shared by the board, the API and the phone page."""

from collections import defaultdict

from dispatch.models import Mission, MissionAssignment


def role_coverage(mission_ids: list[int]) -> dict[int, dict[str, dict]]:
    """Per mission, per required role: who covers it and how far paging got.

    Shape: {mission_id: {role: {"state": "accepted"|"paging"|"declined"|"uncovered"|"not_paged",
    "member": name or None}}}.
    """
    coverage: dict[int, dict[str, dict]] = defaultdict(dict)
    for mission_id, required in Mission.objects.filter(pk__in=mission_ids).values_list("pk", "required_roles"):
        for role in required:
            coverage[mission_id][role] = {"state": "not_paged", "member": None}
    assignments = MissionAssignment.objects.filter(mission_id__in=mission_ids).select_related("member")
    for assignment in assignments:
        member = assignment.member.get_full_name() or assignment.member.get_username()
        coverage[assignment.mission_id][assignment.team_role] = {"state": "accepted", "member": member}
    return dict(coverage)
