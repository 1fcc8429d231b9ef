# The restricted pickle reader (twin of tests/test_pickle_reader.py): numpy's pickles of
# dicts of arrays come back exactly; any other global is refused, naming it, and runs nothing.
using Test
using PyRef

function pickle_error(f)
    try
        f()
    catch err
        @test err isa ArgumentError
        return err isa ArgumentError ? err.msg : sprint(showerror, err)
    end
    @test false   # nothing was thrown
    return ""
end

@testset "pickle" begin
    dir = mktempdir()
    python = get(ENV, "PYTHON", "python3")
    script = """
import pickle, numpy as np
rs = np.random.RandomState(0)
d = {'W1': rs.randn(4, 3), 'b1': rs.randn(3).astype(np.float32),
     'W2': np.asfortranarray(rs.randn(3, 5).astype(np.float32)), 't': np.arange(24).reshape(2, 3, 4)}
np.savez('$dir/same.npz', **d)
for p in (3, 4, 5):
    open(f'$dir/p{p}.pkl', 'wb').write(pickle.dumps(d, protocol=p))
open('$dir/list.pkl', 'wb').write(pickle.dumps([np.zeros(2)]))
open('$dir/values.pkl', 'wb').write(pickle.dumps({'W1': [1.0, 2.0]}))
open('$dir/codecs.pkl', 'wb').write(pickle.dumps({'W1': np.zeros(2)}, protocol=2))
whole = pickle.dumps(d)
open('$dir/cut.pkl', 'wb').write(whole[: len(whole) // 2])
"""
    run(`$python -c $script`)
    npz = read_npz(joinpath(dir, "same.npz"))
    for p in 3:5
        got = read_pickle(joinpath(dir, "p$p.pkl"))
        @test sort(collect(keys(got))) == sort(collect(keys(npz)))
        for (k, v) in npz
            @test typeof(got[k]) == typeof(v) && size(got[k]) == size(v) && got[k] == v
        end
        @test read_arrays(joinpath(dir, "p$p.pkl")) == got
    end
    marker = joinpath(dir, "ran")
    for (mod, name) in (("os", "system"), ("posix", "system"), ("builtins", "eval"), ("subprocess", "getoutput"))
        p = joinpath(dir, "evil.pkl")
        write(p, vcat(UInt8[0x80, 0x04], codeunits("c$mod\n$name\n(Vtouch $marker\ntR.")))
        msg = pickle_error(() -> read_pickle(p))
        @test startswith(msg, "$p refers to $mod.$name, which pyref does not unpickle")
        @test occursin("numpy.ndarray", msg)
        @test !ispath(marker)
    end
    @test occursin("refers to _codecs.encode", pickle_error(() -> read_pickle(joinpath(dir, "codecs.pkl"))))
    @test occursin("is damaged or cut short", pickle_error(() -> read_pickle(joinpath(dir, "cut.pkl"))))
    @test endswith(pickle_error(() -> read_pickle(joinpath(dir, "list.pkl"))), "holds a list, not a dict of arrays")
    @test endswith(pickle_error(() -> read_pickle(joinpath(dir, "values.pkl"))), "W1 is a list, not a numpy array")
    @test pickle_error(() -> read_pickle(joinpath(dir, "none.pkl"), "parameter file")) ==
          "no parameter file $(joinpath(dir, "none.pkl"))"
    write(joinpath(dir, "text.pkl"), "W1 = 0\n")
    @test endswith(pickle_error(() -> read_pickle(joinpath(dir, "text.pkl"))), "is not a pickle file (protocol 2 or later)")
    @test startswith(pickle_error(() -> read_npz(joinpath(dir, "p4.pkl"))), "$(joinpath(dir, "p4.pkl")) is a pickle file (the book's format), not an .npz file")
    book = get(ENV, "PYREF_BOOK", "/tmp/book")
    if isfile(joinpath(book, "ch03", "sample_weight.pkl"))
        w = init_network(joinpath(book, "ch03", "sample_weight.pkl"))
        @test size(w["W1"]) == (784, 50) && eltype(w["W1"]) == Float32 && size(w["b3"]) == (10,)
    end
end
