"""Batches: one cursor in _id order; after reopen, it goes on after the last
batch done (and gives the unfinished one again)."""
from webapp.migration.scan import Batches


def test_batches_in_id_order_and_reopen_after_the_last_done(store):
    store.things.insert_many([{"_id": i, "keep": i % 4 != 0} for i in (5, 1, 9, 3, 7, 2, 8, 6, 4, 10)])
    reader = Batches(store.things, {"keep": True}, 3)
    first = reader.next()
    assert [d["_id"] for d in first] == [1, 2, 3]
    reader.done(first)
    second = reader.next()
    assert [d["_id"] for d in second] == [5, 6, 7]
    reader.reopen()  # e.g. the connection dropped while doing `second`
    assert [d["_id"] for d in reader.next()] == [5, 6, 7]
    reader.done(second)
    assert [d["_id"] for d in reader.next()] == [9, 10]
    assert reader.next() == []
    reader.close()
