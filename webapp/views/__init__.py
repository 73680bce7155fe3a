"""Blueprints, registered in one place."""


def register_blueprints(app):
    from webapp.views import (
        admin,
        auth,
        episodes,
        exports,
        followup,
        health,
        home,
        migration,
        monitoring,
        patients,
        protocols,
        reports,
        treatments,
        tumours,
    )

    for module in (auth, health, home, patients, episodes, tumours, treatments, migration, exports, reports, admin,
                   monitoring, protocols):
        app.register_blueprint(module.bp)
    app.register_blueprint(followup.bp)
