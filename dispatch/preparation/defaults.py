"""The checklist shipped with the service: what a referring ICU prepares before the ECMO team arrives.

Sources: transfer-medicine texts and ELSO pre-transport coordination (docs/preparation.md). The
texts are catalogue entries (`gettext_noop`), so a stored default is shown in the reader's
language; the data migration writes them, and tests that empty the tables put them back.
"""

from django.utils.translation import gettext_noop

# (key, order, label, help text, what the number counts or "")
DEFAULT_ITEMS: tuple[tuple[str, int, str, str, str], ...] = (
    (
        "blood",
        10,
        gettext_noop("Cross-matched blood ready"),
        gettext_noop("Red cells cross-matched and ready to issue; give the number of units."),
        gettext_noop("units"),
    ),
    (
        "arterial_line",
        20,
        gettext_noop("Arterial line (right radial for VA)"),
        gettext_noop("For VA ECMO the right radial artery shows the oxygenation of the upper body."),
        "",
    ),
    (
        "central_line",
        30,
        gettext_noop("Central line that spares the veins planned for cannulation"),
        gettext_noop("The cannulas usually go into the femoral vessels and the right internal jugular vein: "
                     "leave them free."),
        "",
    ),
    (
        "chest_xray",
        40,
        gettext_noop("Chest X-ray"),
        gettext_noop("A recent film: tube and line positions."),
        "",
    ),
    (
        "labs",
        50,
        gettext_noop("Labs and coagulation"),
        gettext_noop("Blood count, blood gas, lactate, electrolytes, kidney and liver tests, INR, aPTT, fibrinogen."),
        "",
    ),
    (
        "family",
        60,
        gettext_noop("Family informed"),
        gettext_noop("About ECMO, the transfer to the centre and how to reach the centre."),
        "",
    ),
    (
        "records",
        70,
        gettext_noop("Copies of records and imaging"),
        gettext_noop("Notes, drug chart, results; images on a disc or through the image exchange."),
        "",
    ),
    (
        "bedside",
        80,
        gettext_noop("Bedside space, power and oxygen"),
        gettext_noop("Room around the bed for the ECMO console, free power sockets, oxygen and air outlets."),
        "",
    ),
)


# Items only one kind of mission asks for (`ItemScope`); the others are for every mission. The
# cannulation veins matter only where the team cannulates.
DEFAULT_SCOPES: dict[str, str] = {"central_line": "primary"}


def load_default_items(item_model) -> int:
    """Create the shipped items that are missing (by key); an item edited in the admin is left alone.

    Takes the model so a data migration can pass its historical one (before `applies_to` existed,
    the scope is left out).
    """
    scoped = any(field.name == "applies_to" for field in item_model._meta.get_fields())
    for key, order, label, help_text, value_label in DEFAULT_ITEMS:
        defaults = {"order": order, "label": label, "help_text": help_text, "value_label": value_label}
        if scoped:
            defaults["applies_to"] = DEFAULT_SCOPES.get(key, "every")
        item_model.objects.get_or_create(key=key, defaults=defaults)
    return len(DEFAULT_ITEMS)
