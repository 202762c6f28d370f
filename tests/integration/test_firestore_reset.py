"""The Firestore emulator is emptied between tests: each round starts from nothing."""

import pytest


@pytest.mark.parametrize("round_number", [1, 2])
def test_each_test_starts_with_an_empty_firestore(firestore_db, round_number):
    threads = firestore_db.collection("threads")
    assert threads.count().get()[0][0].value == 0
    threads.document("t1").set({"title": f"round {round_number}"})
    threads.document("t1").collection("messages").document("m1").set({"text": "hi"})
    assert threads.document("t1").get().to_dict() == {"title": f"round {round_number}"}
