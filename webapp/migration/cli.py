from flask.cli import AppGroup

migration_cli = AppGroup("migration", help="Move embedded treatments and tumours into their own collections.")
