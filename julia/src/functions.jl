# Activations, softmax, cross-entropy, numerical gradients, smoothing (twin of
# pyref/functions.py), plus numpy's reduction orders, so that sums round as numpy's do.

const CROSS_ENTROPY_DELTA = 1e-7
const NUMERICAL_GRADIENT_H = 1e-4
const SMOOTH_WINDOW = 11
const SMOOTH_KAISER_BETA = 2

# The C library's functions, for Python-level float math (`10 ** u`, `b ** t`,
# math.exp, ...), which always calls them. numpy's ufuncs on arrays may run SIMD
# kernels instead: use np_exp, np_log, np_tanh, np_power (numpymath.jl) for those.
c_exp(x::Float64) = ccall((:exp, NumpyRandom.LIBM), Float64, (Float64,), x)
c_log(x::Float64) = NumpyRandom.c_log(x)
c_pow(x::Float64, y::Float64) = ccall((:pow, NumpyRandom.LIBM), Float64, (Float64, Float64), x, y)
c_tanh(x::Float64) = ccall((:tanh, NumpyRandom.LIBM), Float64, (Float64,), x)

"""numpy's pairwise summation of a contiguous run `v[lo:hi]` (blocks of 8 below 128 values)."""
function pairwise_sum(v::AbstractVector{Float64}, lo::Int, n::Int)::Float64
    if n < 8
        res = 0.0
        @inbounds for i in lo:(lo + n - 1)
            res += v[i]
        end
        return res
    elseif n <= 128
        @inbounds begin
            r0, r1, r2, r3 = v[lo], v[lo + 1], v[lo + 2], v[lo + 3]
            r4, r5, r6, r7 = v[lo + 4], v[lo + 5], v[lo + 6], v[lo + 7]
            i = 8
            while i < n - n % 8
                k = lo + i
                r0 += v[k]; r1 += v[k + 1]; r2 += v[k + 2]; r3 += v[k + 3]
                r4 += v[k + 4]; r5 += v[k + 5]; r6 += v[k + 6]; r7 += v[k + 7]
                i += 8
            end
            res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n
                res += v[lo + i]
                i += 1
            end
        end
        return res
    end
    n2 = n ÷ 2
    n2 -= n2 % 8
    return pairwise_sum(v, lo, n2) + pairwise_sum(v, lo + n2, n - n2)
end

"""`np.sum(a)` of a C-contiguous array given in numpy's (row-major) element order."""
np_sum(v::AbstractVector{Float64}) = 0.0 + pairwise_sum(v, firstindex(v), length(v))
"""`np.sum(A)` over a whole matrix: numpy sums its row-major flattening."""
np_sum(A::AbstractMatrix{Float64}) = np_sum(vec(permutedims(A)))

"""`A.mean()` of a C-ordered array: numpy's sum of its elements (row-major) over their count."""
np_mean(A::AbstractVecOrMat{Float64}) = np_sum(A) / length(A)
"""`A.std()` (ddof 0): the square root of the mean squared deviation, summed as numpy does."""
function np_std(A::AbstractMatrix{Float64})
    d = A .- np_mean(A)
    return sqrt(np_sum(d .* d) / length(A))
end

"""`x.sum(axis=0)` of a C-order (N, D) array: rows accumulated one after another."""
sum_rows(x::AbstractMatrix{Float64})::Vector{Float64} = sum_rows!(zeros(size(x, 2)), x)

"""`sum_rows` into `out` (length: the number of columns)."""
function sum_rows!(out::AbstractVector{Float64}, x::AbstractMatrix{Float64})
    n, d = size(x)
    length(out) == d || throw(DimensionMismatch("out has $(length(out)) entries for $d columns"))
    @inbounds for j in 1:d
        s = 0.0
        for i in 1:n
            s += x[i, j]
        end
        out[j] = s
    end
    return out
end

# A C-ordered matrix (a transposed buffer, one sample per column): the same sums,
# each row added in turn, read in memory order.
function sum_rows!(out::AbstractVector{Float64}, x::Transpose{Float64,Matrix{Float64}})
    P = parent(x)
    d, n = size(P)
    length(out) == d || throw(DimensionMismatch("out has $(length(out)) entries for $d columns"))
    fill!(out, 0.0)
    @inbounds for i in 1:n, j in 1:d
        out[j] += P[j, i]
    end
    return out
end

"""`x.sum(axis=-1)`: numpy's pairwise sum along each row."""
function sum_last(x::AbstractMatrix{Float64})::Vector{Float64}
    n, d = size(x)
    out = Vector{Float64}(undef, n)
    row = Vector{Float64}(undef, d)
    @inbounds for i in 1:n
        for j in 1:d
            row[j] = x[i, j]
        end
        out[i] = 0.0 + pairwise_sum(row, 1, d)
    end
    return out
end

sigmoid(v::Float64) = 1.0 / (1.0 + np_exp(-v))
sigmoid(x::AbstractArray{Float64}) = sigmoid.(x)
relu(x::AbstractArray{Float64}) = ifelse.(x .<= 0, 0.0, x)
tanh_activation(x::AbstractArray{Float64}) = np_tanh.(x)

# Other real inputs, as numpy takes them: integers become Float64 (exactly, as numpy
# converts them), Float32 is computed in Float64 and rounded back to Float32 (numpy
# computes in float32: the same to float32 rounding, not bit for bit); relu keeps
# integers (np.maximum(0, x)).
sigmoid(x::AbstractArray{<:Integer}) = sigmoid(Float64.(x))
sigmoid(x::AbstractArray{Float32}) = Float32.(sigmoid(Float64.(x)))
relu(x::AbstractArray{<:Integer}) = max.(0, x)
relu(x::AbstractArray{Float32}) = ifelse.(x .<= 0, 0.0f0, x)
tanh_activation(x::AbstractArray{<:Integer}) = tanh_activation(Float64.(x))
tanh_activation(x::AbstractArray{Float32}) = Float32.(tanh_activation(Float64.(x)))

"""Softmax over each row (the last axis), shifted by the row maximum."""
function softmax(x::AbstractMatrix{Float64})
    z = x .- maximum(x; dims=2)
    e = np_exp.(z)
    return e ./ sum_last(e)
end
function softmax(x::AbstractVector{Float64})
    e = np_exp.(x .- maximum(x))
    return e ./ np_sum(e)
end
softmax(x::AbstractVecOrMat{<:Integer}) = softmax(Float64.(x))
softmax(x::AbstractVecOrMat{Float32}) = Float32.(softmax(Float64.(x)))

"""Row-wise argmax, 0-based, the first maximum winning (numpy's argmax)."""
function argmax_rows(y::AbstractMatrix)::Vector{Int}
    out = Vector{Int}(undef, size(y, 1))
    @inbounds for i in axes(y, 1)
        best = 1
        for j in 2:size(y, 2)
            y[i, j] > y[i, best] && (best = j)
        end
        out[i] = best - 1
    end
    return out
end

"""
What `cross_entropy_error` and `SoftmaxWithLoss` take: `y` with at least one row and
two classes; `t` one 0-based integer label in [0, classes) per row, or one-hot rows of
`y`'s size. Anything else is an ArgumentError or DimensionMismatch naming it (a label
−1 is not a BoundsError, a wrong count not a number).
"""
function check_probabilities_and_labels(y::AbstractMatrix, t::AbstractArray, yname::AbstractString="y")
    n, c = size(y)
    n > 0 || throw(ArgumentError("$yname has no samples (an empty batch, size $(size(y)))"))
    c >= 2 || throw(ArgumentError("$yname must have at least 2 classes (softmax over one class is always 1), got size $(size(y))"))
    if ndims(t) == 2 && size(t) == size(y)
        check_one_hot("t", t)
        return nothing
    end
    (ndims(t) == 1 && length(t) == n) ||
        throw(DimensionMismatch("t must be $n class label(s) or one-hot rows of size ($n, $c), got size $(size(t))"))
    eltype(t) <: Integer || throw(ArgumentError("t must hold integer class labels, not $(eltype(t))"))
    (minimum(t) >= 0 && maximum(t) < c) ||
        throw(ArgumentError("t must be class indices in [0, $c), got $(minimum(t))..$(maximum(t))"))
    return nothing
end

"""Mean cross-entropy of probabilities `y` (rows) against 0-based labels or one-hot rows."""
function cross_entropy_error(y::AbstractMatrix{Float64}, t::AbstractArray)
    check_probabilities_and_labels(y, t)
    labels = length(t) == length(y) ? argmax_rows(t) : t   # one-hot: t has y's size, as the book tests
    n = size(y, 1)
    picked = [np_log(y[i, labels[i] + 1] + CROSS_ENTROPY_DELTA) for i in 1:n]
    return -np_sum(picked) / n
end
cross_entropy_error(y::AbstractVector{Float64}, t) =
    cross_entropy_error(reshape(y, 1, :), ndims(t) == 1 && length(t) == length(y) ? reshape(t, 1, :) : t)

"""
    numerical_gradient(f, x)

Central differences of `f` at `x`, perturbing `x` in place one entry at a time in
numpy's C order (for a matrix: row by row).
"""
function numerical_gradient(f, x::AbstractArray{Float64})
    h = NUMERICAL_GRADIENT_H
    grad = zeros(size(x))
    idxs = ndims(x) == 2 ? [CartesianIndex(i, j) for i in axes(x, 1) for j in axes(x, 2)] :
           collect(CartesianIndices(x))
    for idx in idxs
        tmp = x[idx]
        x[idx] = tmp + h
        fxh1 = f(x)
        x[idx] = tmp - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp
    end
    return grad
end
numerical_gradient(f, x::AbstractArray) =
    throw(ArgumentError("x must be a Float64 array (x + $NUMERICAL_GRADIENT_H must fit in it), not $(eltype(x))"))

# numpy's np.i0 (Cephes Chebyshev expansions), needed by np.kaiser.
const I0_A = [-4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16,
    1.71539128555513303061e-15, -1.16853328779934516808e-14, 7.67618549860493561688e-14,
    -4.85644678311192946090e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11,
    9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-9,
    -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7,
    1.11738753912010371815e-6, -4.41673835845875056359e-6, 1.64484480707288970893e-5,
    -5.75419501008210370398e-5, 1.88502885095841655729e-4, -5.76375574538582365885e-4,
    1.63947561694133579842e-3, -4.32430999505057594430e-3, 1.05464603945949983183e-2,
    -2.37374148058994688156e-2, 4.93052842396707084878e-2, -9.49010970480476444210e-2,
    1.71620901522208775349e-1, -3.04682672343198398683e-1, 6.76795274409476084995e-1]
const I0_B = [-7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17,
    3.46122286769746109310e-17, -2.82762398051658348494e-16, -3.42548561967721913462e-16,
    1.77256013305652638360e-15, 3.81168066935262242075e-15, -9.55484669882830764870e-15,
    -4.15056934728722208663e-14, 1.54008621752140982691e-14, 3.85277838274214270114e-13,
    7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11,
    -3.14991652796324136454e-11, 1.18891471078464383424e-11, 4.94060238822496958910e-10,
    3.39623202570838634515e-9, 2.26666899049817806459e-8, 2.04891858946906374183e-7,
    2.89137052083475648297e-6, 6.88975834691682398426e-5, 3.36911647825569408990e-3,
    8.04490411014108831608e-1]

function chbevl(x::Float64, vals::Vector{Float64})
    b0 = vals[1]
    b1 = 0.0
    b2 = 0.0
    for i in 2:length(vals)
        b2 = b1
        b1 = b0
        b0 = x * b1 - b2 + vals[i]
    end
    return 0.5 * (b0 - b2)
end

function np_i0(x::Float64)
    x = abs(x)
    x <= 8.0 && return np_exp(x) * chbevl(x / 2.0 - 2, I0_A)
    return np_exp(x) * chbevl(32.0 / x - 2.0, I0_B) / sqrt(x)
end

"""numpy's Kaiser window of length m and shape beta."""
function kaiser(m::Int, beta::Real)
    alpha = (m - 1) / 2.0
    return [np_i0(beta * sqrt(1 - ((n - alpha) / alpha)^2)) / np_i0(Float64(beta)) for n in 0:(m - 1)]
end

"""
    smooth_curve(x)

Smooth a loss curve with a normalised Kaiser window, mirrored at both ends (the
book's util). A sliding dot product: the last bits may differ from numpy's convolve.
"""
function smooth_curve(x::AbstractVector{<:Real})
    n = SMOOTH_WINDOW
    length(x) >= n || throw(ArgumentError("x must be a 1-D curve of at least $n points"))
    x = Float64.(x)
    s = vcat(x[n:-1:2], x, x[end:-1:(end - n + 2)])
    w = kaiser(n, SMOOTH_KAISER_BETA)
    w = w ./ np_sum(w)
    y = [sum(w[k] * s[i + n - k] for k in 1:n) for i in 1:(length(s) - n + 1)]
    return y[6:(length(y) - 5)]
end
