"""Blueprints, registered in one place."""


def register_blueprints(app):
    from webapp.views import admin, auth, episodes, exports, health, home, migration, patients

    for module in (auth, health, home, patients, episodes, migration, exports, admin):
        app.register_blueprint(module.bp)
