"""Faults of chapter 7's parameter files and of the nets' inputs, in both languages.

Every parameter a net takes, from a file (``load_param_file``, ``load_params``,
``pyref run --params``) or a dict (``set_params``), passes one checked reader
(``pyref.fileio.read_npz`` / ``PyRef.read_npz``: zip structure, CRC-32, .npy members; the
book's pickles are tests/test_pickle_reader.py's) and one ``check_params`` (names, real
floating-point dtypes, shapes, finite values). A fault is one line naming the argument, the file and the member, of the same
class in both languages (pyref's ValueError/TypeError, PyRef's ArgumentError or
DimensionMismatch: through the bridge a JuliaArgumentError); the command line exits 2
and writes nothing.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from pyref.cli import main
from pyref.convnet import SimpleConvNet, check_params, convnet_param_shapes, load_param_file
from pyref.convolution import Convolution, Pooling
from pyref.fileio import OutputPathError, make_output_dir, read_npz, write_npz
from pyref.runtime.session import JuliaArgumentError

#: The book's net's parameters (seeded), which every bad file starts from.
GOOD = {k: v.copy() for k, v in SimpleConvNet(rng=np.random.RandomState(0)).params.items()}


def _savez(path: Path, **arrays: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _good_bytes() -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **GOOD)
    return buf.getvalue()


def _flipped(path: Path) -> None:
    data = bytearray(_good_bytes())
    data[len(data) // 2] ^= 0xFF  # inside W2's data, the largest member
    path.write_bytes(bytes(data))


def _with(**changes: object):
    def write(path: Path) -> None:
        arrays = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
        _savez(path, **arrays)

    return write


def _zip_with(name: str, payload: bytes):
    def write(path: Path) -> None:
        with zipfile.ZipFile(path, "w") as z:
            for key, value in GOOD.items():
                buf = io.BytesIO()
                np.save(buf, value)
                z.writestr(f"{key}.npy", buf.getvalue())
            z.writestr(name, payload)

    return write


def _npy_bytes(value: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, value, allow_pickle=True)
    return buf.getvalue()


#: id -> (write the file, Python's error class, what both languages' message says).
BAD_FILES = {
    "no arrays": (lambda p: _savez(p), ValueError, "holds no arrays; the net needs W1, b1"),
    "bool W1": (_with(W1=GOOD["W1"] > 0), TypeError, "W1 holds bool"),
    "complex W1": (_with(W1=GOOD["W1"].astype(complex)), TypeError, "W1 holds complex"),
    "int b1": (_with(b1=np.zeros(30, np.int64)), TypeError, "b1 holds int64"),
    "string b1": (_with(b1=np.array(["x"] * 30)), ValueError, "member b1.npy holds <U1 values"),
    "NaN b3": (_with(b3=np.full(10, np.nan)), ValueError, "b3 contains NaN or infinite"),
    "Inf W3": (_with(W3=np.full((100, 10), np.inf)), ValueError, "W3 contains NaN or infinite"),
    "wrong shape": (
        _with(W2=np.ones((3, 3))),
        ValueError,
        "W2 has shape (3, 3), this net's has (4320, 100)",
    ),
    "extra key": (
        _with(W9=np.ones(2)),
        ValueError,
        "W9 is not a parameter of this net (W1, b1, W2, b2, W3, b3)",
    ),
    "missing key": (_with(b2=None), ValueError, "has no b2; the net needs"),
    "empty file": (lambda p: p.write_bytes(b""), ValueError, "is empty (0 bytes), not an .npz"),
    "truncated": (
        lambda p: p.write_bytes(_good_bytes()[: len(_good_bytes()) // 2]),
        ValueError,
        "is damaged or cut short: its zip directory is missing or unreadable",
    ),
    "byte flipped": (
        _flipped,
        ValueError,
        "member W2.npy is damaged (its CRC-32 does not match its bytes)",
    ),
    "text file": (
        lambda p: p.write_text("W1 = 0.1\n"),
        ValueError,
        "is not an .npz file (a zip archive of .npy arrays)",
    ),
    ".npy renamed": (
        lambda p: p.write_bytes(_npy_bytes(GOOD["W1"])),
        ValueError,
        "is an .npy file (a single array), not the named arrays",
    ),
    "non-.npy member": (
        _zip_with("notes.txt", b"trained for 20 epochs"),
        ValueError,
        "member notes.txt is not an .npy array",
    ),
    "object member": (
        _zip_with("W0.npy", _npy_bytes(np.array([{"a": 1}], dtype=object))),
        ValueError,
        "member W0.npy holds Python objects (only pickle could read them)",
    ),
}


@pytest.fixture(params=list(BAD_FILES), ids=list(BAD_FILES))
def bad_file(request, tmp_path: Path) -> tuple[Path, type, str]:
    write, error, message = BAD_FILES[request.param]
    path = tmp_path / "params.npz"
    write(path)
    return path, error, message


def julia_raises(julia_session, code: str) -> tuple[str, str]:
    """(type, message) of the exception that Julia ``code`` throws (eval wraps what it
    throws in a LoadError: the exception is caught in Julia instead)."""
    got = julia_session.eval(
        f"try\n{code}\nnothing\ncatch err\n"
        'Dict("type" => string(nameof(typeof(err))), "message" => err.msg)\nend'
    )
    assert got is not None, f"{code} threw nothing"
    return got["type"], got["message"]


# -- the reader and check_params --------------------------------------------------------


def test_python_refuses_the_file_naming_it_and_the_member(bad_file) -> None:
    path, error, message = bad_file
    with pytest.raises(error) as info:
        load_param_file(path)
    assert message in str(info.value) and str(path) in str(info.value)
    assert "\n" not in str(info.value)
    with pytest.raises(error, match="^" + re.escape(str(path))):
        SimpleConvNet().load_params(path)


def test_julia_refuses_the_file_as_python_does(bad_file, julia_session) -> None:
    path, _, message = bad_file
    with pytest.raises(JuliaArgumentError) as info:
        julia_session.call("PyRef.load_param_file", str(path))
    texts = [info.value.julia_message]
    kind, text = julia_raises(julia_session, f'PyRef.load_params(PyRef.SimpleConvNet(), "{path}")')
    assert kind in ("ArgumentError", "DimensionMismatch")
    texts.append(text)
    python_words = message.replace("bool", "Bool").replace("complex", "Complex")
    for text in texts:
        assert python_words.replace("int64", "Int64") in text, text
        assert str(path) in text and "\n" not in text.strip()
        assert "/tmp/jl_" not in text  # the user's file, not a temporary one


@pytest.mark.parametrize("engine", ["python", "julia"])
def test_run_params_refuses_the_file_in_one_line_and_writes_nothing(
    bad_file, engine, tmp_path: Path, capsys
) -> None:
    path, _, message = bad_file
    out = tmp_path / "out"
    argv = ["run", "visualize-filter", "--params", str(path), "--out", str(out)]
    assert main([*argv, "--seed", "0", "--engine", engine]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"pyref run: error: --params: {path}") and "\n" not in err, err
    assert message in err
    assert not out.exists()


def test_numpy_refuses_the_byte_flipped_file_too(tmp_path: Path) -> None:
    """The CRC case is a real fault: numpy's own reader does not load it either."""
    path = tmp_path / "flipped.npz"
    _flipped(path)
    with pytest.raises(zipfile.BadZipFile, match="CRC"), np.load(path) as npz:
        npz["W2"]


def test_the_reader_gives_the_file_s_arrays_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "mixed.npz"
    _savez(path, a=np.arange(3, dtype=np.int32), b=np.ones((2, 2), np.float32))
    arrays = read_npz(path)
    assert list(arrays) == ["a", "b"] and arrays["a"].dtype == np.int32
    assert arrays["b"].dtype == np.float32 and arrays["b"].shape == (2, 2)
    # check_params converts real floating point to float64 and keeps the net's order
    shapes = {"b": (2, 2)}
    assert check_params({"b": arrays["b"]}, shapes)["b"].dtype == np.float64
    with pytest.raises(FileNotFoundError, match="no parameter file"):
        load_param_file(tmp_path / "none.npz")
    with pytest.raises(ValueError, match="is a folder, not an .npz file"):
        load_param_file(tmp_path)
    with pytest.raises(ValueError, match="the path is empty"):
        load_param_file("")


def test_the_writer_gives_numpy_s_file_and_the_reader_takes_text_only_when_asked(
    tmp_path: Path,
) -> None:
    arrays = {"x": np.arange(6, dtype=np.uint8).reshape(2, 3), "digest": np.array("abc")}
    path = write_npz(tmp_path / "sub" / "a.npz", arrays)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    assert path.read_bytes() == buffer.getvalue()  # np.savez's bytes, written atomically
    with pytest.raises(ValueError, match="member digest.npy holds <U3 values, not numbers"):
        read_npz(path)
    back = read_npz(path, text=True)
    assert list(back) == ["x", "digest"] and str(back["digest"]) == "abc"
    assert np.array_equal(back["x"], arrays["x"]) and back["x"].dtype == np.uint8
    with pytest.raises(TypeError, match="arrays must be a dict"):
        write_npz(tmp_path / "b.npz", [np.zeros(1)])
    with pytest.raises(TypeError, match="holds Python objects"):
        write_npz(tmp_path / "b.npz", {"o": np.array([None])})
    assert not (tmp_path / "b.npz").exists()


def test_julia_reads_numpy_s_file_and_its_own(julia_session, tmp_path: Path) -> None:
    path = tmp_path / "good.npz"
    _savez(path, **GOOD)
    got = julia_session.call("PyRef.load_param_file", str(path))
    assert sorted(got) == sorted(GOOD)
    for key, value in GOOD.items():
        np.testing.assert_array_equal(got[key], value)
    half = tmp_path / "half.npz"  # any real floating point is taken, as float64
    _savez(half, **{k: v.astype(np.float16) for k, v in GOOD.items()})
    got = julia_session.call("PyRef.load_param_file", str(half))
    for key, value in load_param_file(half).items():
        assert value.dtype == np.float64 and got[key].dtype == np.float64
        np.testing.assert_array_equal(got[key], value)
    mine = tmp_path / "julia.npz"
    julia_session.eval(f'PyRef.save_params(PyRef.SimpleConvNet(), "{mine}")')
    assert sorted(load_param_file(mine)) == sorted(GOOD)


# -- set_params -------------------------------------------------------------------------

#: id -> (the dict given, Python's class, Julia's type, what both messages say).
BAD_DICTS = {
    "empty": ({}, ValueError, "ArgumentError", "params holds no arrays"),
    "string": ({**GOOD, "W1": "0.1"}, TypeError, "ArgumentError", "params: W1 must be a"),
    "bool": ({**GOOD, "b1": np.ones(30, bool)}, TypeError, "ArgumentError", "params: b1 holds"),
    "NaN": (
        {**GOOD, "b1": np.full(30, np.nan)},
        ValueError,
        "ArgumentError",
        "params: b1 contains NaN or infinite values",
    ),
    "Inf": (
        {**GOOD, "W2": np.full((4320, 100), -np.inf)},
        ValueError,
        "ArgumentError",
        "params: W2 contains NaN or infinite values",
    ),
    "shape": (
        {**GOOD, "W1": np.zeros((2, 2))},
        ValueError,
        "DimensionMismatch",
        "params: W1 has shape (2, 2), this net's has (30, 1, 5, 5)",
    ),
    "extra": (
        {**GOOD, "W4": np.zeros(2)},
        ValueError,
        "ArgumentError",
        "params: W4 is not a parameter of this net",
    ),
    "missing": (
        {k: v for k, v in GOOD.items() if k != "W3"},
        ValueError,
        "ArgumentError",
        "params has no W3; the net needs",
    ),
}


@pytest.mark.parametrize("case", list(BAD_DICTS))
def test_set_params_is_strict_in_both_languages(case, julia_session) -> None:
    params, error, julia_type, message = BAD_DICTS[case]
    net = SimpleConvNet(rng=np.random.RandomState(1))
    before = {k: v.copy() for k, v in net.params.items()}
    with pytest.raises(error) as info:
        net.set_params(params)
    assert message in str(info.value)
    for key, value in before.items():  # nothing taken
        np.testing.assert_array_equal(net.params[key], value)
    julia_session.assign("bad_params", params)
    kind, text = julia_raises(julia_session, "PyRef.set_params!(PyRef.SimpleConvNet(), bad_params)")
    assert kind == julia_type
    assert message in text


def test_set_params_takes_float32_and_the_net_predicts_with_it() -> None:
    net = SimpleConvNet(rng=np.random.RandomState(1))
    net.set_params({k: v.astype(np.float32) for k, v in GOOD.items()})
    assert all(net.params[k].dtype == np.float64 for k in GOOD)
    assert net.layers["Conv1"].W is net.params["W1"]
    x = np.random.RandomState(2).rand(2, 1, 28, 28)
    reference = SimpleConvNet(rng=np.random.RandomState(0))
    np.testing.assert_allclose(net.predict(x), reference.predict(x), rtol=1e-5, atol=1e-9)


# -- save_params ------------------------------------------------------------------------


def _save_targets(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    return {
        "onto a folder": (folder, f"file_name {folder} is a folder, not a file"),
        "under a file": (
            a_file / "params.npz",
            f"file_name {a_file / 'params.npz'}: {a_file} is a file, so no folder can be made there",
        ),
    }


@pytest.mark.parametrize("case", ["onto a folder", "under a file"])
def test_save_params_names_the_user_s_path_and_leaves_it_alone(
    case, tmp_path: Path, julia_session
) -> None:
    target, message = _save_targets(tmp_path)[case]
    before = sorted(os.listdir(tmp_path)), sorted(os.listdir(tmp_path / "folder"))
    with pytest.raises(ValueError) as info:
        SimpleConvNet().save_params(target)
    assert str(info.value) == message
    kind, text = julia_raises(
        julia_session, f'PyRef.save_params(PyRef.SimpleConvNet(), "{target}")'
    )
    assert kind == "ArgumentError" and text == message
    after = sorted(os.listdir(tmp_path)), sorted(os.listdir(tmp_path / "folder"))
    assert after == before  # no temporary file left, the folder and its file kept
    assert (tmp_path / "folder" / "keep.txt").read_text() == "mine"


def test_save_params_makes_its_folder_and_writes_atomically(tmp_path: Path) -> None:
    path = SimpleConvNet(rng=np.random.RandomState(0)).save_params(tmp_path / "a" / "b.npz")
    assert os.listdir(tmp_path / "a") == ["b.npz"]
    assert sorted(load_param_file(path)) == sorted(GOOD)
    with pytest.raises(ValueError, match="file_name is empty"):
        SimpleConvNet().save_params("")


# -- the nets' and layers' inputs -------------------------------------------------------

EMPTY = np.zeros((0, 1, 28, 28))
NO_LABELS = np.zeros(0, np.int64)


@pytest.mark.parametrize(
    "python_call, julia_code",
    [
        (
            lambda: SimpleConvNet().predict(EMPTY),
            "PyRef.predict(PyRef.SimpleConvNet(), zeros(0, 1, 28, 28))",
        ),
        (
            lambda: SimpleConvNet().loss(EMPTY, NO_LABELS),
            "PyRef.loss(PyRef.SimpleConvNet(), zeros(0, 1, 28, 28), Int[])",
        ),
        (
            lambda: SimpleConvNet().accuracy(EMPTY, NO_LABELS),
            "PyRef.accuracy(PyRef.SimpleConvNet(), zeros(0, 1, 28, 28), Int[])",
        ),
        (
            lambda: SimpleConvNet().gradient(EMPTY, NO_LABELS),
            "PyRef.gradient(PyRef.SimpleConvNet(), zeros(0, 1, 28, 28), Int[])",
        ),
        (
            lambda: Convolution(np.ones((2, 1, 3, 3)), np.zeros(2)).forward(np.zeros((0, 1, 5, 5))),
            "PyRef.forward(PyRef.Convolution(ones(2, 1, 3, 3), zeros(2)), zeros(0, 1, 5, 5))",
        ),
        (
            lambda: Pooling(2, 2).forward(np.zeros((0, 1, 4, 4))),
            "PyRef.forward(PyRef.Pooling(2, 2), zeros(0, 1, 4, 4))",
        ),
    ],
    ids=["predict", "loss", "accuracy", "gradient", "Convolution", "Pooling"],
)
def test_empty_batches_are_refused_naming_x(python_call, julia_code, julia_session) -> None:
    with pytest.raises(ValueError, match=r"x has no samples \(an empty batch, shape \(0, 1, "):
        python_call()
    kind, text = julia_raises(julia_session, julia_code)
    assert kind == "ArgumentError" and text.startswith("x has no samples (an empty batch")


def _conv() -> Convolution:
    return Convolution(np.ones((2, 1, 3, 3)), np.zeros(2))


def _forwarded(layer):
    shape = (1, 1, 5, 5) if isinstance(layer, Convolution) else (1, 1, 4, 4)
    layer.forward(np.random.RandomState(0).rand(*shape))
    return layer


CONV_JL = "PyRef.Convolution(ones(2, 1, 3, 3), zeros(2))"
POOL_JL = "PyRef.Pooling(2, 2)"


@pytest.mark.parametrize(
    "python_call, error, julia_code, julia_type, message",
    [
        (
            lambda: _conv().backward(np.ones((1, 2, 3, 3))),
            RuntimeError,
            f"PyRef.backward({CONV_JL}, ones(1, 2, 3, 3))",
            "ErrorException",
            "Convolution.backward needs a forward pass first",
        ),
        (
            lambda: Pooling(2, 2).backward(np.ones((1, 1, 2, 2))),
            RuntimeError,
            f"PyRef.backward({POOL_JL}, ones(1, 1, 2, 2))",
            "ErrorException",
            "Pooling.backward needs a forward pass first",
        ),
        (
            lambda: _forwarded(_conv()).backward(np.ones((1, 2, 4, 4))),
            ValueError,
            f"(l = {CONV_JL}; PyRef.forward(l, rand(1, 1, 5, 5)); PyRef.backward(l, ones(1, 2, 4, 4)))",
            "DimensionMismatch",
            "dout has shape (1, 2, 4, 4); Convolution's last forward output had (1, 2, 3, 3)",
        ),
        (
            lambda: _forwarded(Pooling(2, 2)).backward(np.ones((1, 1, 2, 1))),
            ValueError,
            f"(l = {POOL_JL}; PyRef.forward(l, ones(1, 1, 4, 4)); PyRef.backward(l, ones(1, 1, 2, 1)))",
            "DimensionMismatch",
            "dout has shape (1, 1, 2, 1); Pooling's last forward output had (1, 1, 2, 2)",
        ),
    ],
    ids=["Convolution first", "Pooling first", "Convolution dout", "Pooling dout"],
)
def test_backward_out_of_order_or_of_the_wrong_shape(
    python_call, error, julia_code, julia_type, message, julia_session
) -> None:
    with pytest.raises(error) as info:
        python_call()
    assert str(info.value) == message
    kind, text = julia_raises(julia_session, julia_code)
    assert kind == julia_type and text == message


# -- --out -------------------------------------------------------------------------------


def test_an_empty_out_is_a_usage_error(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", "convnet-gradient-check", "--seed", "0", "--out", ""]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == "pyref run: error: --out is empty: name a path"
    assert "seed:" not in captured.out
    assert os.listdir(tmp_path) == []


def test_an_unwritable_out_is_found_before_the_work(capsys) -> None:
    """/proc takes no new folder, whatever os.access says for root."""
    assert main(["run", "visualize-filter", "--quick", "--seed", "0", "--out", "/proc/x"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("pyref run: error: --out /proc/x") and "\n" not in err, err
    assert "seed:" not in captured.out and "training" not in captured.err  # no work done
    assert not os.path.exists("/proc/x")


def test_make_output_dir_proves_the_folder_and_leaves_only_it(tmp_path: Path) -> None:
    made = make_output_dir(tmp_path / "a" / "b", "--out")
    assert made.is_dir() and os.listdir(made) == []  # the probe file is gone
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputPathError, match=r"--out .*f/g: .*f is a file"):
        make_output_dir(tmp_path / "f" / "g", "--out")
    with pytest.raises(OutputPathError, match="--out is empty"):
        make_output_dir("", "--out")


def test_shapes_are_the_net_s(julia_session) -> None:
    shapes = convnet_param_shapes()
    assert shapes == SimpleConvNet().param_shapes()
    assert list(shapes) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    julia = julia_session.eval("Dict(PyRef.convnet_param_shapes())")
    assert {k: tuple(v) for k, v in julia.items()} == shapes


# -- the book's pickles -------------------------------------------------------------------


def test_both_languages_read_the_book_s_pickle_and_refuse_a_crafted_one(
    tmp_path: Path, julia_session
) -> None:
    import pickle

    path = tmp_path / "params.pkl"
    path.write_bytes(pickle.dumps(GOOD))  # what the book's save_params writes
    python = load_param_file(path)
    julia = julia_session.call("PyRef.load_param_file", str(path))
    assert set(julia) == set(python) == set(GOOD)
    for key, value in GOOD.items():
        np.testing.assert_array_equal(python[key], value)
        np.testing.assert_array_equal(np.asarray(julia[key]), value)
    marker = tmp_path / "ran"
    path.write_bytes(b"\x80\x04cos\nsystem\n(Vtouch " + str(marker).encode() + b"\ntR.")
    with pytest.raises(ValueError) as info:
        load_param_file(path)
    kind, text = julia_raises(julia_session, f'PyRef.load_param_file("{path}")')
    assert kind == "ArgumentError"
    assert text == str(info.value) and text.startswith(f"{path} refers to os.system,")
    assert not marker.exists()
