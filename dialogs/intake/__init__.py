"""The project intake wizard: `intake_dialog()` is its router, `start_intake` opens it."""

from dialogs.intake.dialogs import intake_dialog, is_confirm_press
from dialogs.intake.handlers import abandon_intake, restart_if_expired, start_intake
from states.intake import Intake, IntakeStep

__all__ = [
    "Intake",
    "IntakeStep",
    "abandon_intake",
    "intake_dialog",
    "is_confirm_press",
    "restart_if_expired",
    "start_intake",
]
