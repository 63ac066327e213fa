"""Every feature's tables, imported in one place so migrations and create_all see them all."""

from portal.accounts.models import User  # noqa: F401
from portal.salon.models import (  # noqa: F401
    CatalogueVersion,
    Location,
    Qualification,
    Service,
    Therapist,
    WorkingHours,
    therapist_qualifications,
)
from portal.salon import settings as salon_settings  # noqa: F401
from portal.booking import models as booking_models  # noqa: F401
from portal.profile import models as profile_models  # noqa: F401
from portal.audit import models as audit_models  # noqa: F401
from portal.feedback import models as feedback_models  # noqa: F401
from portal.reminders import models as reminders_models  # noqa: F401
from portal.outbox import models as outbox_models  # noqa: F401
from portal.report import models as report_models  # noqa: F401
