"""Widget tests run headless (offscreen Qt platform) unless a display platform is chosen explicitly."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
