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

TEMPLATES = TemplateConfig(dirs=("templates",))
STATIC = StaticConfig(dirs=("static",))
