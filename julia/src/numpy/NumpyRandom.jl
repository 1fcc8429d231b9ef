"""
    NumpyRandom

numpy's legacy `np.random.RandomState` (MT19937) reproduced bit for bit, so that
one seed gives the same numbers in Julia as in numpy: the same seeding, the same
53-bit doubles, the polar Box–Muller `randn` (with the C library's `log`),
masked-rejection bounded integers, and numpy's shuffle order.

Arrays fill in numpy's row-major order: `A = randn(rs, 3, 4)` has
`A[i, j] == a[i-1, j-1]` for numpy's `a = rs.randn(3, 4)`. Index-valued results
(`randint`, `choice`, `permutation(n)`) keep numpy's 0-based values.

Every function takes a `RandomState` first, or uses the module's global state
(seeded from entropy at load, like numpy's; `seed!(n)` seeds it).

A `RandomState` is a `Random.AbstractRNG`: Julia's own `rand(rs, dims...)`,
`randn(rs, dims...)`, `rand(rs, a:b, dims...)`, `shuffle!(rs, v)`, `randperm(rs, n)`
draw what their numpy twins draw, in numpy's order, and the calls with no numpy twin
throw an ArgumentError (random_api.jl; docs/verify.md has the table).
"""
module NumpyRandom

import Random

export RandomState, seed!, global_state, get_state, set_state!, check_seed, rng_state, set_rng_state!,
       random_sample, randint, choice, permutation, shuffle!, uniform, normal

const N = 624
"""The largest seed numpy's legacy seeding takes: a seed is one 32-bit word."""
const SEED_MAX = 0xffffffff
const M = 397
const MATRIX_A = 0x9908b0df
const UPPER_MASK = 0x80000000
const LOWER_MASK = 0x7fffffff

"""The C library numpy's scalar loops call (glibc's libm on Linux)."""
const LIBM = Sys.islinux() ? "libm.so.6" : Sys.isapple() ? "/usr/lib/libSystem.dylib" : "msvcrt"

"""`log` from the C library: Julia's own `log` differs in the last bit for about 0.1 % of inputs."""
c_log(x::Float64) = ccall((:log, LIBM), Float64, (Float64,), x)

"""
    RandomState(seed)

An MT19937 state seeded as numpy seeds an integer (0 ≤ seed ≤ 2^32 − 1), with
numpy's cached second Gaussian. A `Random.AbstractRNG` (see random_api.jl).
"""
mutable struct RandomState <: Random.AbstractRNG
    key::Vector{UInt32}
    pos::Int
    has_gauss::Bool
    gauss::Float64
end

function RandomState(seed::Integer)
    rs = RandomState(zeros(UInt32, N), N, false, 0.0)
    seed!(rs, seed)
    return rs
end

"""
    seed!(rs, seed) / seed!(seed)

Reset `rs` (or the global state) as `np.random.seed(seed)` does.
"""
function seed!(rs::RandomState, seed::Integer)
    s = UInt32(check_seed("seed", seed))
    key = rs.key
    @inbounds for pos in 1:N
        key[pos] = s
        s = 0x6c078965 * (s ⊻ (s >> 30)) + UInt32(pos)
    end
    rs.pos = N
    rs.has_gauss = false
    rs.gauss = 0.0
    return rs
end

"""`seed` if it is in numpy's legacy range 0 … 2^32 − 1, else an ArgumentError naming
`name` (twin of pyref.rng.check_seed: every seed is checked here)."""
function check_seed(name::AbstractString, seed::Integer)::Int
    0 <= seed <= SEED_MAX || throw(ArgumentError("$name must be between 0 and 2^32 - 1, got $seed"))
    return Int(seed)
end
check_seed(name::AbstractString, seed) = throw(ArgumentError("$name must be an integer, not $(typeof(seed))"))

const GLOBAL = Ref{RandomState}()

"""The module's global state: what functions called without a state draw from."""
global_state() = GLOBAL[]

seed!(seed::Integer) = seed!(global_state(), seed)

function __init__()
    GLOBAL[] = RandomState((time_ns() ⊻ (UInt64(getpid()) << 16)) % UInt32)
end

"""
    get_state(rs) -> (key, pos, has_gauss, gauss)

The state in the layout of numpy's `get_state()` (without its 'MT19937' tag): a copy
of the 624-word key, the position (0…624), whether a Gaussian is cached, and it.
"""
get_state(rs::RandomState=global_state()) = (copy(rs.key), rs.pos, rs.has_gauss, rs.gauss)

"""
    set_state!(rs, key, pos, has_gauss, gauss)

Restore a state saved by `get_state` or by numpy's `get_state()`.
"""
function set_state!(rs::RandomState, key::AbstractVector{<:Integer}, pos::Integer,
                    has_gauss::Bool, gauss::Real)
    length(key) == N || throw(ArgumentError("key must have $N words, got $(length(key))"))
    0 <= pos <= N || throw(ArgumentError("pos must be in 0:$N, got $pos"))
    all(k -> 0 <= k <= SEED_MAX, key) || throw(ArgumentError("key's words must be in 0:$SEED_MAX"))
    rs.key .= UInt32.(key)
    rs.pos = pos
    rs.has_gauss = has_gauss
    rs.gauss = Float64(gauss)
    return rs
end

"""
    rng_state(rs) -> Dict

The state as plain values, as pyref.rng.rng_state gives it: "key" (the 624 words),
"pos", "has_gauss" (0 or 1) and "cached_gaussian". `set_rng_state!` reads it back.
"""
rng_state(rs::RandomState) = Dict{String,Any}("key" => Vector{Int64}(rs.key), "pos" => rs.pos,
                                              "has_gauss" => Int(rs.has_gauss), "cached_gaussian" => rs.gauss)

"""
    set_rng_state!(rs, state) -> rs

Put `rs` in the state `rng_state` (or pyref.rng.rng_state) gave: a dict of "key" (624
words), "pos" (0…624), "has_gauss" (0 or 1) and "cached_gaussian".
"""
function set_rng_state!(rs::RandomState, state::AbstractDict)
    for k in ("key", "pos", "has_gauss", "cached_gaussian")
        haskey(state, k) || throw(ArgumentError("state has no \"$k\" (a numpy RandomState state has key, pos, has_gauss, cached_gaussian)"))
    end
    has_gauss = state["has_gauss"]
    (has_gauss isa Integer && has_gauss in (0, 1)) || throw(ArgumentError("state[\"has_gauss\"] must be 0 or 1, got $(repr(has_gauss))"))
    return set_state!(rs, state["key"], state["pos"], Bool(has_gauss), state["cached_gaussian"])
end

function generate!(rs::RandomState)
    key = rs.key
    @inbounds begin
        for i in 1:(N - M)
            y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK)
            key[i] = key[i + M] ⊻ (y >> 1) ⊻ (-(y & 0x00000001) & MATRIX_A)
        end
        for i in (N - M + 1):(N - 1)
            y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK)
            key[i] = key[i + M - N] ⊻ (y >> 1) ⊻ (-(y & 0x00000001) & MATRIX_A)
        end
        y = (key[N] & UPPER_MASK) | (key[1] & LOWER_MASK)
        key[N] = key[M] ⊻ (y >> 1) ⊻ (-(y & 0x00000001) & MATRIX_A)
    end
    rs.pos = 0
    return nothing
end

"""The next tempered 32-bit output of MT19937."""
@inline function next_uint32(rs::RandomState)::UInt32
    rs.pos == N && generate!(rs)
    rs.pos += 1
    y = @inbounds rs.key[rs.pos]
    y ⊻= y >> 11
    y ⊻= (y << 7) & 0x9d2c5680
    y ⊻= (y << 15) & 0xefc60000
    y ⊻= y >> 18
    return y
end

"""Two 32-bit outputs as one 64-bit word, high word first (numpy's legacy next_uint64)."""
@inline next_uint64(rs::RandomState)::UInt64 =
    (UInt64(next_uint32(rs)) << 32) | UInt64(next_uint32(rs))

"""numpy's 53-bit double in [0, 1): (a >> 5) * 2^26 + (b >> 6), over 2^53."""
@inline function next_double(rs::RandomState)::Float64
    a = next_uint32(rs) >> 5
    b = next_uint32(rs) >> 6
    return (Float64(a) * 67108864.0 + Float64(b)) / 9007199254740992.0
end

"""numpy's legacy Gaussian: the polar method, caching the second value."""
function gauss(rs::RandomState)::Float64
    if rs.has_gauss
        g = rs.gauss
        rs.has_gauss = false
        rs.gauss = 0.0
        return g
    end
    x1 = 0.0
    x2 = 0.0
    r2 = 0.0
    while true
        x1 = 2.0 * next_double(rs) - 1.0
        x2 = 2.0 * next_double(rs) - 1.0
        r2 = x1 * x1 + x2 * x2
        (r2 >= 1.0 || r2 == 0.0) || break
    end
    f = sqrt(-2.0 * c_log(r2) / r2)
    rs.gauss = f * x1
    rs.has_gauss = true
    return f * x2
end

"""The smallest all-ones bit mask ≥ `max`."""
@inline function gen_mask(max::UInt64)::UInt64
    mask = max
    mask |= mask >> 1
    mask |= mask >> 2
    mask |= mask >> 4
    mask |= mask >> 8
    mask |= mask >> 16
    mask |= mask >> 32
    return mask
end

"""A uniform integer in 0:rng by numpy's masked rejection (32-bit draws when rng fits)."""
@inline function bounded_uint64(rs::RandomState, rng::UInt64)::UInt64
    rng == 0 && return UInt64(0)
    if rng <= 0xffffffff
        rng == 0xffffffff && return UInt64(next_uint32(rs))
        mask32 = gen_mask(rng) % UInt32
        r32 = rng % UInt32
        while true
            v = next_uint32(rs) & mask32
            v <= r32 && return UInt64(v)
        end
    end
    rng == typemax(UInt64) && return next_uint64(rs)
    mask = gen_mask(rng)
    while true
        v = next_uint64(rs) & mask
        v <= rng && return v
    end
end

"""numpy's random_interval (used by shuffle): uniform in 0:max by bit-mask rejection."""
@inline function random_interval(rs::RandomState, max::UInt64)::UInt64
    max == 0 && return UInt64(0)
    mask = gen_mask(max)
    if max <= 0xffffffff
        while true
            v = UInt64(next_uint32(rs)) & mask
            v <= max && return v
        end
    end
    while true
        v = next_uint64(rs) & mask
        v <= max && return v
    end
end

# -- filling arrays in numpy's row-major order -----------------------------------

_dims(d::Tuple{Vararg{Integer}}) = _dims(d...)
function _dims(d::Integer...)
    for (k, n) in enumerate(d)
        n >= 0 || throw(ArgumentError("dimension $k must be >= 0, got $n"))
    end
    return map(Int, d)
end

"""An array of `dims` filled by `draw()` in numpy's (row-major) generation order."""
function fill_rowmajor(draw::F, ::Type{T}, dims::NTuple{K,Int}) where {F,T,K}
    flat = Vector{T}(undef, prod(dims))
    @inbounds for i in eachindex(flat)
        flat[i] = draw()
    end
    K == 1 && return reshape(flat, dims)
    return permutedims(reshape(flat, reverse(dims)), ntuple(i -> K + 1 - i, K))
end

# -- the public draws -----------------------------------------------------------

"""
    rand([rs], dims...) / random_sample([rs], dims...)

Uniform doubles in [0, 1) (`np.random.rand` / `random_sample`); one Float64 with no dims.
"""
rand(rs::RandomState) = next_double(rs)
rand(rs::RandomState, dims::Integer...) = fill_rowmajor(() -> next_double(rs), Float64, _dims(dims...))
rand(rs::RandomState, dims::Tuple{Vararg{Integer}}) = rand(rs, dims...)
rand(dims::Integer...) = rand(global_state(), dims...)
rand(dims::Tuple{Vararg{Integer}}) = rand(global_state(), dims...)
const random_sample = rand

"""
    randn([rs], dims...)

Standard normal draws (`np.random.randn`); one Float64 with no dims.
"""
randn(rs::RandomState) = gauss(rs)
randn(rs::RandomState, dims::Integer...) = fill_rowmajor(() -> gauss(rs), Float64, _dims(dims...))
randn(rs::RandomState, dims::Tuple{Vararg{Integer}}) = randn(rs, dims...)
randn(dims::Integer...) = randn(global_state(), dims...)
randn(dims::Tuple{Vararg{Integer}}) = randn(global_state(), dims...)

"""
    normal([rs], loc, scale[, dims...])

`loc + scale * randn` elementwise (`np.random.normal`).
"""
function normal(rs::RandomState, loc::Real, scale::Real, dims::Integer...)
    scale >= 0 || throw(ArgumentError("scale must be >= 0, got $scale"))
    l, s = Float64(loc), Float64(scale)
    isempty(dims) && return l + s * gauss(rs)
    return fill_rowmajor(() -> l + s * gauss(rs), Float64, _dims(dims...))
end
normal(loc::Real, scale::Real, dims::Integer...) = normal(global_state(), loc, scale, dims...)

"""
    uniform([rs], low, high[, dims...])

`low + (high - low) * u` with numpy's 53-bit u (`np.random.uniform`).
"""
function uniform(rs::RandomState, low::Real, high::Real, dims::Integer...)
    lo = Float64(low)
    range = Float64(high) - lo
    isfinite(range) || throw(ArgumentError("high - low must be finite, got $range"))
    isempty(dims) && return lo + range * next_double(rs)
    return fill_rowmajor(() -> lo + range * next_double(rs), Float64, _dims(dims...))
end
uniform(low::Real, high::Real, dims::Integer...) = uniform(global_state(), low, high, dims...)

"""
    randint([rs], low, high[, dims...]) / randint([rs], high)

Int64 draws from low:high-1 (`np.random.randint`, numpy's default int64).
"""
function randint(rs::RandomState, low::Integer, high::Integer, dims::Integer...)
    low < high || throw(ArgumentError("low must be < high, got low=$low, high=$high"))
    off = Int64(low)
    rng = (Int128(high) - Int128(low) - 1) % UInt64
    isempty(dims) && return off + (bounded_uint64(rs, rng) % Int64)
    return fill_rowmajor(() -> off + (bounded_uint64(rs, rng) % Int64), Int64, _dims(dims...))
end
randint(rs::RandomState, high::Integer) = randint(rs, 0, high)
randint(low::Integer, high::Integer, dims::Integer...) = randint(global_state(), low, high, dims...)
randint(high::Integer) = randint(global_state(), 0, high)

"""
    shuffle!([rs], x)

Shuffle `x` in place in numpy's order (for i = n-1 … 1 swap i with random_interval(i));
a Matrix is shuffled by rows, since samples are rows in the book's layout.
"""
function shuffle!(rs::RandomState, x::AbstractVector)
    n = length(x)
    @inbounds for i in (n - 1):-1:1
        j = Int(random_interval(rs, UInt64(i)))
        x[i + 1], x[j + 1] = x[j + 1], x[i + 1]
    end
    return x
end
function shuffle!(rs::RandomState, x::AbstractMatrix)
    n = size(x, 1)
    for i in (n - 1):-1:1
        j = Int(random_interval(rs, UInt64(i)))
        if i != j
            @inbounds for c in axes(x, 2)
                x[i + 1, c], x[j + 1, c] = x[j + 1, c], x[i + 1, c]
            end
        end
    end
    return x
end
shuffle!(x::AbstractArray) = shuffle!(global_state(), x)

"""
    permutation([rs], n) / permutation([rs], x)

`np.random.permutation`: a shuffled `0:n-1` (0-based values, like numpy's), or a
shuffled copy of `x` (rows of a Matrix).
"""
function permutation(rs::RandomState, n::Integer)
    n >= 0 || throw(ArgumentError("n must be >= 0, got $n"))
    return shuffle!(rs, collect(Int64(0):Int64(n - 1)))
end
permutation(rs::RandomState, x::AbstractArray) = shuffle!(rs, copy(x))
permutation(x) = permutation(global_state(), x)

"""
    choice([rs], a, size; replace=true)

`np.random.choice`: with an Int `a`, 0-based indices into `0:a-1` (like numpy's);
with a vector, its elements. With replacement it is `randint(0, n, size)`; without,
the first `size` of `permutation(n)`. `size` is an Int or a tuple of dims.
"""
function choice(rs::RandomState, a::Integer, size::Union{Integer,Tuple{Vararg{Integer}}};
                replace::Bool=true)
    a > 0 || throw(ArgumentError("a must be > 0, got $a"))
    dims = _dims(size isa Integer ? (size,) : size)
    count = prod(dims)
    if replace
        return randint(rs, 0, a, dims...)
    end
    count <= a || throw(ArgumentError("size $count is larger than the population $a with replace=false"))
    return reshape(permutation(rs, a)[1:count], dims)
end
function choice(rs::RandomState, a::AbstractVector, size::Union{Integer,Tuple{Vararg{Integer}}};
                replace::Bool=true)
    idx = choice(rs, length(a), size; replace=replace)
    return map(i -> a[i + 1], idx)
end
choice(a, size; replace::Bool=true) = choice(global_state(), a, size; replace=replace)

include("random_api.jl")

end # module
