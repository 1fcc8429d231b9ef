# numpy's random-call vocabulary (twin of pyref/parity/random_calls.py): the one place
# a call name is dispatched on the Julia side.

"""
    RandomCalls

One call `[function, args...]` drawn from a `NumpyRandom.RandomState`, as
`pyref.parity.random_calls.random_call` draws it from numpy's. The parity scenarios
(`PyRef.Scenarios.random_calls`) and PyRef's own tests against numpy's test vectors
(julia/test/test_numpyrandom.jl) both call [`random_call`](@ref).
"""
module RandomCalls

using ..PyRef: NumpyRandom
const NR = NumpyRandom

"""
    random_call(rs, call)

One call `[function, args...]` on `rs`. `rand`/`randn`: dims...; `uniform`: low, high,
dims...; `randint`: low, high, dims... (or high alone); `choice`: n, size[, replace];
`permutation`: n; `shuffle`: rows, cols (of a row-major arange matrix); `state`: the
generator's state afterwards (`NumpyRandom.rng_state`: key, pos, has_gauss, cached_gaussian).
"""
function random_call(rs::NR.RandomState, call::AbstractVector)
    name, args = call[1], call[2:end]
    name == "rand" && return NR.rand(rs, args...)
    name == "randn" && return NR.randn(rs, args...)
    name == "uniform" && return NR.uniform(rs, args...)
    name == "randint" && return NR.randint(rs, args...)
    if name == "choice"
        length(args) == 3 && return NR.choice(rs, args[1], args[2]; replace=args[3])
        return NR.choice(rs, args[1], args[2])
    end
    name == "permutation" && return NR.permutation(rs, args[1])
    if name == "shuffle"
        rows, cols = args
        x = Float64[(i - 1) * cols + (j - 1) for i in 1:rows, j in 1:cols]
        return NR.shuffle!(rs, x)
    end
    name == "state" && return NR.rng_state(rs)
    throw(ArgumentError("unknown random call \"$name\""))
end

end # module
