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
        responses,
        treatments,
        tumours,
    )

    for module in (auth, health, home, patients, episodes, tumours, treatments, responses, migration, exports,
                   reports, followup, admin, monitoring, protocols):
        app.register_blueprint(module.bp)
