"""The referring ICU's preparation checklist, ticked live while the team travels."""
