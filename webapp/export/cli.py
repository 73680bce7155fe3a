from flask.cli import AppGroup

export_cli = AppGroup("export", help="The NBOCA submission (COSD XML).")
