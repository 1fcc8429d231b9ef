# Julia's Random API on a RandomState: each supported call draws what its numpy twin
# draws, in numpy's order; a call with no numpy twin throws an ArgumentError naming what
# to call instead. Included by NumpyRandom (its own rand/randn/shuffle! are other functions).

"""The ArgumentError for a Random call on a RandomState that has no numpy twin."""
no_twin(call::AbstractString, instead::AbstractString) =
    ArgumentError("$call on a NumpyRandom.RandomState has no numpy twin (it would draw a stream numpy never draws); $instead")

"""Visit the indices of `A` in numpy's row-major (C) order, calling `f(I)` for each."""
@inline function foreach_rowmajor(f::F, A::AbstractArray) where {F}
    if ndims(A) <= 1
        for i in eachindex(A)
            f(i)
        end
    else
        for J in CartesianIndices(reverse(axes(A)))
            f(CartesianIndex(reverse(Tuple(J))))
        end
    end
    return nothing
end

# -- uniform doubles: rand(rs), rand(rs, dims...), rand!(rs, A) --------------------

Random.rand(rs::RandomState, ::Random.SamplerTrivial{Random.CloseOpen01{Float64}}) = next_double(rs)

# Every array Random builds (rand(rs, S, dims...), rand!(rs, A, S)) fills here: in
# numpy's row-major order, so rand(rs, 5, 4)[i, j] is numpy's rand(5, 4)[i-1, j-1].
function Random.rand!(rs::RandomState, A::AbstractArray{T}, sp::Random.Sampler) where {T}
    foreach_rowmajor(I -> (@inbounds A[I] = Random.rand(rs, sp)), A)
    return A
end

# -- Gaussians: randn(rs), randn(rs, dims...), randn!(rs, A) ------------------------

Random.randn(rs::RandomState) = gauss(rs)

function Random.randn!(rs::RandomState, A::AbstractArray{Float64})
    foreach_rowmajor(I -> (@inbounds A[I] = gauss(rs)), A)
    return A
end

# -- integers in a range: rand(rs, a:b[, dims...]) is randint(a, b + 1[, size]) -------

"""numpy's legacy `randint(first, last + 1)`: masked rejection over `0:rng`, plus `first`."""
struct NumpyRangeSampler{T} <: Random.Sampler{T}
    first::T
    rng::UInt64
end

function Random.Sampler(::Type{RandomState}, r::AbstractUnitRange{T},
                        ::Random.Repetition) where {T<:Base.BitInteger64}
    isempty(r) && throw(ArgumentError("the range must be non-empty, got $r (numpy's randint needs low < high)"))
    return NumpyRangeSampler{T}(first(r), (last(r) - first(r)) % unsigned(T) % UInt64)
end

Random.rand(rs::RandomState, sp::NumpyRangeSampler{T}) where {T} =
    (sp.first % UInt64 + bounded_uint64(rs, sp.rng)) % T

Random.Sampler(::Type{RandomState}, r::AbstractUnitRange{T},
               ::Random.Repetition) where {T<:Union{Int128,UInt128}} =
    throw(no_twin("rand(rs, ::UnitRange{$T})", "numpy's randint draws 64-bit integers: use a range of Int64, rand(rs, Int64(a):Int64(b))"))
Random.Sampler(::Type{RandomState}, r::AbstractUnitRange{BigInt}, ::Random.Repetition) =
    throw(no_twin("rand(rs, ::UnitRange{BigInt})", "use a range of Int64, rand(rs, Int64(a):Int64(b))"))

# A vector picks an element as np.random.choice does: a[randint(0, len(a))].
function Random.Sampler(::Type{RandomState}, a::AbstractArray, n::Random.Repetition)
    ndims(a) == 1 || throw(no_twin("rand(rs, ::$(typeof(a)))",
        "numpy's choice takes a 1-dimensional array: pick from vec(a) for column-major order, or from vec(permutedims(a)) for numpy's row-major one"))
    isempty(a) && throw(ArgumentError("the collection must be non-empty (numpy's choice needs a non-empty array)"))
    return Random.SamplerSimple(a, Random.Sampler(RandomState, firstindex(a):lastindex(a), n))
end

# -- permutations: shuffle!(rs, v), shuffle(rs, v), randperm(rs, n) ------------------

function _shuffle_vector!(rs::RandomState, a::AbstractArray)
    ndims(a) == 1 || throw(no_twin("shuffle!(rs, ::$(typeof(a)))",
        "Julia's shuffle! permutes every element, numpy's shuffle the rows: NumpyRandom.shuffle!(rs, a) shuffles rows as numpy does"))
    Base.require_one_based_indexing(a)
    return shuffle!(rs, a)
end
Random.shuffle!(rs::RandomState, a::AbstractArray) = _shuffle_vector!(rs, a)
Random.shuffle!(rs::RandomState, a::AbstractArray{Bool}) = _shuffle_vector!(rs, a)
Random.shuffle(rs::RandomState, a::AbstractArray) = _shuffle_vector!(rs, Base.copymutable(a))
Random.shuffle(rs::RandomState, a::Base.OneTo) = Random.randperm(rs, last(a))

function Random.randperm!(rs::RandomState, a::Array{<:Integer})
    @inbounds for i in eachindex(a)
        a[i] = i
    end
    return shuffle!(rs, a)
end
function Random.randperm(rs::RandomState, n::T) where {T<:Integer}
    n >= 0 || throw(ArgumentError("n must be >= 0, got $n"))
    return Random.randperm!(rs, Vector{T}(undef, n))
end

# -- Random.seed! and copy ----------------------------------------------------------

Random.seed!(rs::RandomState, seed::Integer) = seed!(rs, seed)
Base.copy(rs::RandomState) = RandomState(copy(rs.key), rs.pos, rs.has_gauss, rs.gauss)

# -- calls with no numpy twin ---------------------------------------------------------

const TO_FLOAT32 = "numpy draws doubles only: Float32.(rand(rs, dims...)) reproduces rs.rand(...).astype(np.float32)"

Random.rand(rs::RandomState, ::Random.SamplerTrivial{Random.CloseOpen01{Float32}}) =
    throw(no_twin("rand(rs, Float32)", TO_FLOAT32))
Random.rand(rs::RandomState, ::Random.SamplerTrivial{Random.CloseOpen01{Float16}}) =
    throw(no_twin("rand(rs, Float16)", "numpy draws doubles only: Float16.(rand(rs, dims...))"))
# Every integer Random draws for itself (rand(rs, Int), rand(rs, Bool), the bits of
# randexp, bitrand, BigFloat ...) bottoms out here.
Random.rand(rs::RandomState, ::Random.SamplerType{T}) where {T<:Union{Bool,Base.BitInteger}} =
    throw(no_twin("rand(rs, $T)", "for numpy's randint(low, high) call rand(rs, low:high-1)$(T === Bool ? ", for rand() < p call rand(rs) < p" : "")"))
Random.rand(rs::RandomState, ::Random.SamplerType{T}) where {T<:AbstractChar} =
    throw(no_twin("rand(rs, $T)", "pick from a vector of characters, rand(rs, collect(chars)), as np.random.choice(list(chars)) does"))
Random.rand(rs::RandomState, ::Random.SamplerType{Complex{T}}) where {T<:Real} =
    throw(no_twin("rand(rs, Complex{$T})", "complex(rand(rs), rand(rs)) draws two of numpy's doubles in order"))
Random.rand!(rs::RandomState, B::BitArray, ::Random.SamplerType{Bool}) =
    throw(no_twin("bitrand(rs, ...) / rand!(rs, ::BitArray)", "rand(rs, dims...) .< 0.5 is numpy's rs.rand(*dims) < 0.5"))

# Collections Julia samples its own way (Dict slots, Set, String code units) and tuples
# (rand(rs, (5, 4)) picks 5 or 4 in Julia, where NumpyRandom.rand(rs, (5, 4)) draws a 5×4 array).
const NoTwinCollection = Union{AbstractDict,AbstractSet,AbstractString,Tuple}
_collection_error(X) = no_twin("rand(rs, ::$(typeof(X)))", X isa Tuple ?
    "for an array of dims call rand(rs, dims...); to pick an element as np.random.choice does, pass a vector: rand(rs, collect(t))" :
    "to pick as np.random.choice does, pass a vector: rand(rs, collect(x))")
Random.rand(rs::RandomState, X::NoTwinCollection) = throw(_collection_error(X))
Random.rand(rs::RandomState, X::Dims) = throw(_collection_error(X))
Random.rand(rs::RandomState, X::NoTwinCollection, dims::Dims) = throw(_collection_error(X))
Random.rand(rs::RandomState, X::NoTwinCollection, d::Integer, dims::Integer...) = throw(_collection_error(X))
Random.rand!(rs::RandomState, A::AbstractArray, X::NoTwinCollection) = throw(_collection_error(X))

Random.randn(rs::RandomState, ::Type{Float32}) = throw(no_twin("randn(rs, Float32)", "Float32.(randn(rs, dims...)) reproduces rs.randn(...).astype(np.float32)"))
Random.randn(rs::RandomState, ::Type{Float16}) = throw(no_twin("randn(rs, Float16)", "Float16.(randn(rs, dims...))"))
Random.randn(rs::RandomState, ::Type{Complex{T}}) where {T<:AbstractFloat} =
    throw(no_twin("randn(rs, Complex{$T})", "complex(randn(rs), randn(rs)) draws two of numpy's Gaussians in order"))
Random.randn!(rs::RandomState, A::AbstractArray{T}) where {T} =
    throw(no_twin("randn!(rs, ::AbstractArray{$T})", "numpy draws Float64 Gaussians: randn!(rs, Array{Float64}(undef, dims)), then convert"))

Random.randexp(rs::RandomState) =
    throw(no_twin("randexp(rs)", ".-NumpyRandom.c_log.(1 .- rand(rs, dims...)) is numpy's rs.standard_exponential(dims)"))
Random.randcycle(rs::RandomState, n::Integer) = throw(no_twin("randcycle(rs, n)", "randperm(rs, n) is np.random.permutation(n) .+ 1"))
Random.randcycle!(rs::RandomState, a::Array{<:Integer}) = throw(no_twin("randcycle!(rs, a)", "randperm!(rs, a) is np.random.permutation(length(a)) .+ 1"))
Random.randsubseq!(rs::RandomState, S::AbstractArray, A::AbstractArray, p::Real) =
    throw(no_twin("randsubseq(rs, A, p)", "A[rand(rs, length(A)) .< p] is numpy's A[rs.rand(len(A)) < p]"))

const NO_RANDSTRING = "numpy has no random strings: String(rand(rs, collect(chars), n)) picks as np.random.choice(list(chars), n) does"
Random.randstring(rs::RandomState) = throw(no_twin("randstring(rs)", NO_RANDSTRING))
Random.randstring(rs::RandomState, n::Integer) = throw(no_twin("randstring(rs, n)", NO_RANDSTRING))
Random.randstring(rs::RandomState, chars) = throw(no_twin("randstring(rs, chars)", NO_RANDSTRING))
Random.randstring(rs::RandomState, chars, n::Integer) = throw(no_twin("randstring(rs, chars, n)", NO_RANDSTRING))
