"""Health, readiness and Prometheus metrics of one node (docs/deploy.md)."""
