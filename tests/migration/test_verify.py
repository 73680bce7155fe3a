"""`migration verify`: passes after a run, names each difference."""
from webapp.migration import apply, verify


def test_verify_passes_after_run(app, database, legacy, runner):
    with app.app_context():
        apply.run(batch_size=5)
    result = runner.invoke(args=["migration", "verify"])
    assert result.exit_code == 0, result.output
    assert "verify (forward): no differences" in result.output


def test_verify_names_an_item_changed_by_hand(app, database, legacy, runner):
    with app.app_context():
        apply.run()
    victim = database.treatments.find_one({"treatment_type": "surgery"})
    database.treatments.update_one({"_id": victim["_id"]}, {"$set": {"asa_grade": "5"}})
    result = runner.invoke(args=["migration", "verify"])
    assert result.exit_code == 1
    index = victim["migration"]["legacy_index"]
    assert (f"DIFFERENCE: treatments document {victim['treatment_id']} (episode {victim['episode_id']}, "
            f"position {index}) differs from the original embedded item") in result.output


def test_verify_names_a_lost_item_a_duplicate_and_a_leftover_array(app, database, legacy):
    with app.app_context():
        apply.run()
        lost = database.tumours.find_one()
        database.tumours.delete_one({"_id": lost["_id"]})
        twin = database.treatments.find_one()
        copy = dict(twin, _id=None, treatment_id=twin["treatment_id"] + "-COPY")
        copy.pop("_id")
        database.treatments.insert_one(copy)
        database.episodes.update_one({}, {"$set": {"tumours": []}})
        direction, differences = verify.verify()
    assert direction == "forward"
    text = "\n".join(differences)
    assert (f"tumours[{lost['migration']['legacy_index']}] of episode {lost['episode_id']} is in neither the "
            "tumours collection nor quarantine: lost") in text
    assert f"treatments document {twin['treatment_id']}-COPY" in text and "is there twice" in text
    assert "still holds tumours" in text
