"""The lease in practice: a second run or a rollback is refused while one is
active, naming the holder; the CLI says so and changes nothing."""
import pytest

from webapp.migration import apply, rollback
from webapp.store import lease


def test_second_run_and_rollback_refused_while_one_is_active(app, database, legacy, runner):
    with app.app_context():
        lease.acquire("manager-dashboard@ward:4242", "migration")
        with pytest.raises(lease.LockHeld) as err:
            apply.run()
        assert "manager-dashboard@ward:4242" in str(err.value)
        with pytest.raises(lease.LockHeld):
            rollback.rollback()
    result = runner.invoke(args=["migration", "run", "--yes"])
    assert result.exit_code != 0
    assert "a migration is already running: held by manager-dashboard@ward:4242 since" in result.output
    assert database.treatments.count_documents({}) == 0
    # Nothing was migrated yet: the rollback says so before it asks for the lease.
    result = runner.invoke(args=["migration", "rollback", "--yes"])
    assert result.exit_code != 0 and "nothing to roll back" in result.output
    # A dry run writes nothing, so it does not need (or block on) the lease.
    with app.app_context():
        assert apply.run(dry_run=True)["state"] == "completed"
        lease.release("manager-dashboard@ward:4242")
        assert apply.run()["state"] == "completed"
        assert lease.current_holder() is None  # released when done
    result = runner.invoke(args=["migration", "run", "--yes"])  # the adopt step
    assert result.exit_code == 0, result.output
    with app.app_context():
        lease.acquire("manager-dashboard@ward:4242", "migration")
    result = runner.invoke(args=["migration", "rollback", "--yes"])
    assert result.exit_code != 0 and "held by manager-dashboard@ward:4242" in result.output
