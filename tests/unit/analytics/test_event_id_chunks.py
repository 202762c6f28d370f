"""The consumer's lookup passes a batch's event ids as space-separated strings: each small
enough for a server's URL (1 MiB, percent-encoded), all ids once, in order."""

from urllib.parse import quote

from netra_analytics.warehouse import MAX_IDS_BYTES, _id_chunks


def test_ids_of_the_longest_kind_are_cut_under_the_limit_and_all_sent_once():
    ids = [f"{n:04d}" + "%/+&" * 31 for n in range(10_000)]  # 128 characters, each percent-encoded if it can be
    chunks = list(_id_chunks(ids))
    assert len(chunks) > 1 and all(len(chunk) <= MAX_IDS_BYTES for chunk in chunks)
    assert all(len(quote(chunk, safe="")) < 1024 * 1024 - 4096 for chunk in chunks)  # the URL, with room to spare
    assert [i for chunk in chunks for i in chunk.split(" ")] == ids


def test_short_ids_of_a_whole_message_go_in_one_query():
    ids = [f"ab12cd34-{n}" for n in range(10_000)]
    assert list(_id_chunks(ids)) == [" ".join(ids)]
    assert list(_id_chunks([])) == []
    assert list(_id_chunks(["x" * 128], max_bytes=10)) == ["x" * 128]  # one id alone, whatever the limit
