"""The Telegram layer: thin handlers over the domain modules, and the Application factory."""

import os

# Opt in to python-telegram-bot's coming behaviour (durations such as RetryAfter.retry_after as
# datetime.timedelta), which delivery already handles; otherwise every RetryAfter warns.
os.environ.setdefault("PTB_TIMEDELTA", "true")
