# What the test files share: numpy's own outputs, the two ways they are compared, and
# the message of an exception.
# runtests.jl includes this first; to run one file alone, include it before the file.

"""numpy's own outputs for the tests: \$PYREF_VECTORS_DIR (set by `pyref julia test`),
else written once now by pyref.parity.numpy_vectors (\$PYTHON, default python3)."""
const VECTORS_DIR = let dir = get(ENV, "PYREF_VECTORS_DIR", "")
    if isempty(dir)
        dir = mktempdir()
        python = get(ENV, "PYTHON", "python3")
        run(`$python -c "from pyref.parity.numpy_vectors import write_numpy_vectors; write_numpy_vectors('$dir')"`)
    end
    dir
end

"""pyref's output `name` of pyref.parity.numpy_vectors.write_components (a number if 0-d)."""
ref(name) = (a = read_npy(joinpath(VECTORS_DIR, "comp_$name.npy")); ndims(a) == 0 ? a[] : a)
"""Same size, and every entry the same bits (`===`)."""
bits_equal(a, b) = size(a) == size(b) && all(x -> x[1] === x[2], zip(a, b))
"""Relative 1e-12, plus 1e-14 absolute for entries that are mathematically zero and
numerically cancellation noise (e.g. the bias gradient before a BatchNorm layer)."""
close12(a, b) = size(a) == size(b) && all(x -> abs(x[1] - x[2]) <= 1e-12 * max(abs(x[1]), abs(x[2])) + 1e-14, zip(a, b))

"""The message of the exception `f()` throws, which must be of type `T`."""
function thrown(f, T::Type)
    try
        f()
    catch err
        @test err isa T
        return err isa T ? err.msg : sprint(showerror, err)
    end
    @test false   # nothing was thrown
    return ""
end
