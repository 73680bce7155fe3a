"""Blueprints, registered in one place."""


def register_blueprints(app):
    from webapp.views import (
        admin,
        auth,
        episodes,
        exports,
        health,
        home,
        migration,
        monitoring,
        patients,
        reports,
        responses,
        treatments,
        tumours,
    )

    for module in (auth, health, home, patients, episodes, tumours, treatments, migration, exports, reports, admin,
                   monitoring):
        app.register_blueprint(module.bp)
    app.register_blueprint(responses.bp)  # response assessments (issue 13.6)
