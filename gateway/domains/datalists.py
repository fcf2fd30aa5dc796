"""What moves with a consolidating user, what the new account decides, what stays (the seed)."""

from __future__ import annotations

MOVES_WITH_USER = (
    "chat",
    "contacts",
    "in-app chat history",
    "clips",
    "cloud contacts",
    "cloud recordings",
    "docs",
    "meeting summaries",
    "notes",
    "profile details (name, email, ...)",
    "scheduled meetings",
    "scheduled webinars",
    "whiteboards",
    "workflows",
)
SUBJECT_TO_NEW_ACCOUNT = (
    "feature access",
    "user group",
    "license",
    "role",
    "feature settings",
)
DOES_NOT_MOVE = (
    "historical reports",
    "poll data",
    "attendance data",
    "registration data",
    "scheduling privilege",
    "past meetings",
    "Zoom Rooms",
    "phone configuration",
    "cloud chat history",
    "integrations",
    "Marketplace apps",
    "room-connector configurations",
    "purchased licenses and add-ons",
    "Revenue Accelerator data and recordings",
    "Zoom Events",
    "Mail data",
    "Calendar data",
    "Tasks",
)


def data_changes() -> dict[str, list[str]]:
    """The three lists a user must accept before consolidating."""
    return {
        "moves_with_user": list(MOVES_WITH_USER),
        "subject_to_new_account": list(SUBJECT_TO_NEW_ACCOUNT),
        "does_not_move": list(DOES_NOT_MOVE),
    }
