"""Slovene dates as the live pages write them ("3. 12. 2026 10:39", spaces after the dots): Django's
own short format ("3.12.2026. 10:39") stood beside the board's "3. 12. 10:39" as a second style."""

SHORT_DATE_FORMAT = "j. n. Y"
SHORT_DATETIME_FORMAT = "j. n. Y H:i"
DATETIME_FORMAT = "j. F Y H:i"
