"""`-o FILE` gets the permissions a plain open() would give, not mkstemp's private 0600."""

import os
import stat

from toolkit.output import Output


def test_output_file_is_readable_by_others_under_the_usual_umask(tmp_path):
    old = os.umask(0o022)
    try:
        target = tmp_path / "out.jsonl"
        with Output(target) as stream:
            stream.write(b"{}\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]
