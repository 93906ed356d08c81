"""Live positions of the mobile team during travel, kept only while the mission runs."""
