"""The whole database as the server's bytes: which collections exist, each
one's options and indexes, and every document as raw BSON. Two snapshots are
equal only if nothing at all was written in between (no collection created,
no document inserted, changed or removed, no index made): what "a dry run
writes nothing" means."""
import bson
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument

RAW = CodecOptions(document_class=RawBSONDocument)


def snapshot(database):
    raw = database.with_options(codec_options=RAW)
    out = {}
    for info in database.list_collections():
        name = info["name"]
        coll = raw[name]
        out[name] = {
            # pymongo hands these back decoded whatever the codec: encoded again, in the server's key order.
            "collection": bson.encode(info),
            "indexes": sorted(bson.encode(index) for index in database[name].list_indexes()),
            "documents": [doc.raw for doc in coll.find().sort("_id", 1)],
        }
    return out


def differences(before, after):
    """What changed, in words (an assertion's message: a snapshot is too
    big to read as a diff)."""
    out = [f"collection {name} {'created' if name in after else 'dropped'}"
           for name in sorted(set(before) ^ set(after))]
    for name in sorted(set(before) & set(after)):
        out += [f"{name}: {part} differ" for part in before[name] if before[name][part] != after[name][part]]
    return out
