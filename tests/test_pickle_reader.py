"""The restricted reader of the book's pickles (pyref.fileio.read_pickle, load_pickle): it
rebuilds dicts of numpy arrays exactly and refuses every other global, naming it,
before anything runs; ``load_param_file`` and ``pyref convert-params`` read through it."""

from __future__ import annotations

import io
import os
import pickle
import pickletools
from pathlib import Path

import numpy as np
import pytest

from pyref.cli import main
from pyref.fileio import RefusedPickleError, load_pickle, read_arrays, read_npz, read_pickle

BOOK = Path(os.environ.get("PYREF_BOOK", "/tmp/book"))


def _arrays() -> dict[str, np.ndarray]:
    rs = np.random.RandomState(0)
    return {
        "W1": rs.randn(4, 3),
        "b1": rs.randn(3).astype(np.float32),
        "W2": np.asfortranarray(rs.randn(3, 5).astype(np.float32)),  # as sample_weight.pkl
        "t": np.arange(6, dtype=np.int64).reshape(2, 3),
    }


@pytest.mark.parametrize("protocol", [3, 4, 5])
def test_a_pickled_dict_of_arrays_comes_back_exactly(tmp_path: Path, protocol: int) -> None:
    arrays = _arrays()
    path = tmp_path / "params.pkl"
    path.write_bytes(pickle.dumps(arrays, protocol=protocol))
    got = read_pickle(path)
    assert list(got) == list(arrays)
    for key, value in arrays.items():
        assert got[key].dtype == value.dtype and got[key].shape == value.shape
        assert got[key].tobytes(order="A") == value.tobytes(order="A")
        assert got[key].flags.f_contiguous == value.flags.f_contiguous
    assert list(read_arrays(path)) == list(arrays)


def _crafted(module: str, name: str, argument: str) -> bytes:
    """A pickle that calls module.name(argument) when unpickled without restriction."""
    return (
        b"\x80\x04c" + module.encode() + b"\n" + name.encode() + b"\n(V"
        + argument.encode() + b"\ntR."
    )  # fmt: skip


@pytest.mark.parametrize(
    "module, name, command",
    [
        ("os", "system", "touch {marker}"),
        ("posix", "system", "touch {marker}"),
        ("builtins", "eval", "open({marker!r}, 'w').close()"),
        ("builtins", "exec", "open({marker!r}, 'w').close()"),
        ("subprocess", "getoutput", "touch {marker}"),
    ],
)
def test_a_crafted_pickle_is_refused_naming_the_global_and_runs_nothing(
    tmp_path: Path, module: str, name: str, command: str
) -> None:
    marker = str(tmp_path / "ran")
    payload = _crafted(module, name, command.format(marker=marker))
    # the payload really is what it claims: its only global is the one named
    globals_ = [arg for op, arg, _ in pickletools.genops(payload) if op.name == "GLOBAL"]
    assert globals_ == [f"{module} {name}"]
    path = tmp_path / "evil.pkl"
    path.write_bytes(payload)
    with pytest.raises(RefusedPickleError, match=f"refers to {module}.{name},") as info:
        read_pickle(path)
    assert str(path) in str(info.value) and "numpy.ndarray" in str(info.value)
    with pytest.raises(RefusedPickleError, match=f"{module}.{name}"):
        load_pickle(io.BytesIO(payload))
    assert not os.path.exists(marker)


def test_a_pickled_object_of_another_class_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.pkl"
    path.write_bytes(pickle.dumps({"W1": np.zeros(2), "when": Path("x")}))
    with pytest.raises(RefusedPickleError, match="refers to pathlib.PosixPath"):
        read_pickle(path)
    path.write_bytes(pickle.dumps({"W1": np.zeros(2)}, protocol=2))  # bytes via _codecs
    with pytest.raises(RefusedPickleError, match="refers to _codecs.encode"):
        read_pickle(path)


def test_numpy_s_globals_do_only_what_numpy_s_pickles_ask(tmp_path: Path) -> None:
    """ndarray cannot be called, nor _reconstruct asked for a big array (allocations of
    any size a pickle names)."""
    path = tmp_path / "big.pkl"
    path.write_bytes(b"\x80\x04cnumpy\nndarray\n(J\x00\xe4\x0bT\x85tR.")  # ndarray((10**9,))
    with pytest.raises(ValueError, match="is not a valid pickle of numpy arrays"):
        read_pickle(path)
    path.write_bytes(
        b"\x80\x04cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nJ\x00\xe4\x0bT\x85C\x01b"
        b"\x87R."
    )
    with pytest.raises(ValueError, match="not numpy's own call"):
        read_pickle(path)


def test_damaged_and_wrong_pickles_are_value_errors_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p.pkl"
    whole = pickle.dumps(_arrays())
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match=f"^{path} is damaged or cut short"):
        read_pickle(path)
    path.write_bytes(pickle.dumps([np.zeros(2)]))
    with pytest.raises(ValueError, match="holds a list, not a dict of arrays"):
        read_pickle(path)
    path.write_bytes(pickle.dumps({"W1": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="W1 is a list, not a numpy array"):
        read_pickle(path)
    path.write_bytes(pickle.dumps({"W1": np.array(["a"])}))
    with pytest.raises(ValueError, match="W1 holds <U1 values, not numbers"):
        read_pickle(path)
    path.write_bytes(pickle.dumps({1: np.zeros(2)}))
    with pytest.raises(ValueError, match="name 1 is a int, not a string"):
        read_pickle(path)
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="is empty"):
        read_pickle(path)
    path.write_text("W1 = 0\n")
    with pytest.raises(ValueError, match="is not a pickle file"):
        read_pickle(path)
    with pytest.raises(FileNotFoundError, match="no parameter file"):
        read_pickle(tmp_path / "none.pkl", "parameter file")
    with pytest.raises(ValueError, match="is a folder"):
        read_pickle(tmp_path)
    path.write_bytes(pickle.dumps(_arrays()))
    with pytest.raises(ValueError, match="is a pickle file .* read it with read_pickle"):
        read_npz(path)


@pytest.mark.skipif(not (BOOK / "ch03").is_dir(), reason=f"no book checkout at {BOOK}")
@pytest.mark.parametrize("name", ["ch03/sample_weight.pkl", "ch08/deep_convnet_params.pkl"])
def test_the_book_s_own_weights_read_as_the_file_holds_them(name: str) -> None:
    """Each array's bytes are the payload the pickle carries for it (read with
    pickletools, nothing unpickled), in its shape, dtype and memory order."""
    path = BOOK / name
    data = path.read_bytes()
    payloads = [
        arg for op, arg, _ in pickletools.genops(data) if isinstance(arg, bytes) and len(arg) > 8
    ]
    arrays = read_pickle(path)
    assert len(payloads) == len(arrays)
    for value, raw in zip(arrays.values(), payloads):
        assert value.tobytes(order="A") == raw
    if name.startswith("ch03"):
        assert {k: v.shape for k, v in arrays.items()} == {
            "b2": (100,), "W1": (784, 50), "b1": (50,), "W2": (50, 100), "W3": (100, 10),
            "b3": (10,),
        }  # fmt: skip
        assert all(v.dtype == np.float32 for v in arrays.values())


def test_convert_params_writes_the_npz_atomically(tmp_path: Path, capsys) -> None:
    arrays = _arrays()
    src, dst = tmp_path / "params.pkl", tmp_path / "out" / "params.npz"
    src.write_bytes(pickle.dumps(arrays))
    assert main(["convert-params", str(src), str(dst)]) == 0
    assert str(dst) in capsys.readouterr().out
    got = read_npz(dst)
    assert list(got) == list(arrays)
    for key, value in arrays.items():
        np.testing.assert_array_equal(got[key], value)
        assert got[key].dtype == value.dtype
    assert sorted(p.name for p in dst.parent.iterdir()) == ["params.npz"]


def test_convert_params_refuses_in_one_line(tmp_path: Path, capsys) -> None:
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(_crafted("os", "system", f"touch {tmp_path / 'ran'}"))
    good = tmp_path / "good.pkl"
    good.write_bytes(pickle.dumps(_arrays()))
    dst = tmp_path / "out.npz"
    cases = [
        ([str(evil), str(dst)], "refers to os.system"),
        ([str(tmp_path / "none.pkl"), str(dst)], "no parameter file"),
        ([str(good), str(tmp_path)], "is a folder, not a file"),
    ]
    for argv, message in cases:
        assert main(["convert-params", *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("pyref convert-params: error: ") and "\n" not in err, err
        assert message in err, err
    assert not dst.exists() and not (tmp_path / "ran").exists()
