"""Settings of the demo project (development only).

Production values would come from the environment (``BASTION_DEBUG=false``,
``BASTION_SECRET_KEY``, ``BASTION_ALLOWED_HOSTS``), which ``load_settings`` applies over these.
"""

from pathlib import Path

from bastion.settings import StaticConfig, TemplateConfig

BASE_DIR = str(Path(__file__).resolve().parent)

# Committed on purpose, for a demo: the "insecure-" prefix makes Bastion refuse this key
# whenever DEBUG is off.
SECRET_KEY = "insecure-demo-8Jm4Qx7Rw2Nc5Vb9Lp3Zt6Hk1Gd0Fs-Ya_Ue8Io4Pa7Sd2Fg5Hj9Kl3Zx6Cv1Bn0"

DEBUG = True

# SQLite beside this file (a relative sqlite:/// path would depend on the working directory).
# The DATABASE_URL environment variable overrides it (the tests point it at a scratch file).
DATABASE_URL = f"sqlite:///{Path(BASE_DIR) / 'demo.sqlite3'}"

# Password-reset mail builds its links on SITE_URL (never on the request's Host header): the
# address `make demo` serves on. Passkeys take their relying party from it too, and browsers
# refuse an IP address there, hence localhost rather than 127.0.0.1. Mail goes to the console
# (the runserver's stderr) unless EMAIL_URL says otherwise, e.g.
# smtp+starttls://user:password@smtp.example.com:587.
SITE_URL = "http://localhost:8000"
EMAIL_URL = "console://"
DEFAULT_FROM_EMAIL = "demo@example.com"

TEMPLATES = TemplateConfig(dirs=("templates",))
STATIC = StaticConfig(dirs=("static",))
