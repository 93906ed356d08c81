"""Team alerting services: the only code that changes alerts, pages and the roster."""
