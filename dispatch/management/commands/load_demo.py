"""Demo logins so a newcomer can click through a mission at once, and six months of past missions
for the quality page and the records (`dispatch.management.demo_history`). Safe to run repeatedly.

The demo users share a printed demo password (the run command binds to 127.0.0.1 only). The
superuser never does: it gets a random password, printed once when it is set.
"""

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.utils import timezone

from dispatch.management.demo_history import load_demo_history
from dispatch.models import Profile, Role, TeamRole
from dispatch.notifications.models import Shift, Tier
from hospitals.models import Hospital

DEMO_PASSWORD = "ecmo-demo-2026"

# username, first, last, role, team role, phone, hospital code
DEMO_USERS = [
    ("coordinator", "Katja", "Kovač", Role.COORDINATOR, "", "+38640000001", None),
    ("referrer", "Rok", "Horvat", Role.REFERRER, "", "+38640000002", "SBMS"),
    ("physician", "Petra", "Zupan", Role.TEAM_MEMBER, TeamRole.ECMO_PHYSICIAN, "+38640000011", None),
    ("perfusionist", "Pavel", "Krajnc", Role.TEAM_MEMBER, TeamRole.PERFUSIONIST, "+38640000012", None),
    ("nurse", "Nina", "Kos", Role.TEAM_MEMBER, TeamRole.NURSE, "+38640000013", None),
    ("driver", "Dane", "Vidmar", Role.TEAM_MEMBER, TeamRole.DRIVER, "+38640000014", None),
    ("physician2", "Boris", "Golob", Role.TEAM_MEMBER, TeamRole.ECMO_PHYSICIAN, "+38640000021", None),
    ("perfusionist2", "Bojana", "Mlakar", Role.TEAM_MEMBER, TeamRole.PERFUSIONIST, "+38640000022", None),
    ("nurse2", "Tina", "Kralj", Role.TEAM_MEMBER, TeamRole.NURSE, "+38640000023", None),
    ("driver2", "Bor", "Žagar", Role.TEAM_MEMBER, TeamRole.DRIVER, "+38640000024", None),
]


class Command(BaseCommand):
    help = (
        "Create demo users with a shared demo password, an admin with a random one (printed once), "
        "and past demo missions for the quality page."
    )

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        for username, first, last, role, team_role, phone, hospital_code in DEMO_USERS:
            # The names follow this list (a demo database from before the Slovene names gets them too).
            user, created = User.objects.update_or_create(
                username=username, defaults={"first_name": first, "last_name": last}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(Group.objects.get(name=role))
            hospital = Hospital.objects.get(code=hospital_code) if hospital_code else None
            Profile.objects.update_or_create(
                user=user, defaults={"team_role": team_role, "phone": phone, "hospital": hospital}
            )
        admin_password = self._superuser()
        self._on_call_roster()
        written = load_demo_history()
        if written:
            self.stdout.write(f"Demo history: {written} past missions and drills (see /quality/)")
        self.stdout.write(self.style.SUCCESS("Demo logins (demo password for these: %s):" % DEMO_PASSWORD))
        for username, _first, _last, role, team_role, _phone, hospital in DEMO_USERS:
            self.stdout.write(f"  {username:<14} {role}{' / ' + team_role if team_role else ''}"
                              f"{' @ ' + hospital if hospital else ''}")
        if admin_password:
            self.stdout.write(self.style.WARNING(
                f"  admin          Django admin (/admin/), password {admin_password} (shown once: note it now)"
            ))
        else:
            self.stdout.write("  admin          Django admin (/admin/); its password was shown when it was set "
                              "(manage.py changepassword admin sets a new one)")

    def _superuser(self) -> str | None:
        """Create `admin` with a random password, or replace the old fixed demo password; returns the new one."""
        admin, created = get_user_model().objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "Admin"}
        )
        if not created and not admin.check_password(DEMO_PASSWORD):
            return None
        password = secrets.token_urlsafe(12)
        admin.set_password(password)
        admin.save()
        return password

    def _on_call_roster(self) -> None:
        """Primary and backup on call for every team role, so a demo activation pages someone."""
        now = timezone.now()
        starts, ends = now - timedelta(days=2), now + timedelta(days=7)
        for username, _first, _last, role, team_role, _phone, _hospital in DEMO_USERS:
            if role != Role.TEAM_MEMBER:
                continue
            tier = Tier.BACKUP if username.endswith("2") else Tier.PRIMARY
            user = get_user_model().objects.get(username=username)
            # Carry on from their latest shift: a demo started again a few minutes later must not put
            # anyone on call twice (the roster showed every name twice).
            latest = Shift.objects.filter(member=user, ends_at__gt=starts).order_by("-ends_at").first()
            begin = max(starts, latest.ends_at) if latest else starts
            if ends - begin > timedelta(days=1):
                Shift.objects.create(member=user, team_role=team_role, tier=tier, starts_at=begin, ends_at=ends)
        self.stdout.write("On-call roster: primary and backup for every team role until %s" % ends.date())
