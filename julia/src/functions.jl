# Activations, softmax, cross-entropy, numerical gradients, smoothing (twin of
# pyref/functions.py). numpy's own sums and windows are in numpy/reductions.jl and numpy/kaiser.jl.

const CROSS_ENTROPY_DELTA = 1e-7
const NUMERICAL_GRADIENT_H = 1e-4
const SMOOTH_WINDOW = 11
const SMOOTH_KAISER_BETA = 2

"""`x` itself (3.5's output activation for regression)."""
identity_function(x) = x

"""1 where `x` > 0, else 0, as Int (numpy's `np.array(x > 0, dtype=int)`)."""
step_function(x::AbstractArray{<:Real}) = Int.(x .> 0)
step_function(x::Real) = Int(x > 0)

sigmoid(v::Float64) = 1.0 / (1.0 + np_exp(-v))
"""
    sigmoid(x)

The logistic function, elementwise (numpy's exp).

# Arguments
- `x`: an array of any shape (Float64, integers, or Float32 computed in Float64), or
  one Float64.

# Returns
1 / (1 + exp(−x)), of `x`'s shape: a new array (Float32 for a Float32 `x`).
"""
sigmoid(x::AbstractArray{Float64}) = sigmoid.(x)
"""
    relu(x)

The rectifier, elementwise (x ≤ 0 gives +0.0, NaN stays).

# Arguments
- `x`: an array of any shape (Float64, Float32 or integers).

# Returns
max(0, x), a new array of `x`'s shape and element type.
"""
relu(x::AbstractArray{Float64}) = ifelse.(x .<= 0, 0.0, x)
tanh_activation(x::AbstractArray{Float64}) = np_tanh.(x)

"""The sigmoid's derivative at `x`: (1 - sigmoid(x)) * sigmoid(x), the sigmoid computed twice as the book does."""
sigmoid_grad(x::AbstractArray{Float64}) = (1.0 .- sigmoid(x)) .* sigmoid(x)
sigmoid_grad(x::AbstractArray{<:Integer}) = sigmoid_grad(Float64.(x))

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

"""
    softmax(x)

Softmax over each row (the last axis), shifted by the row maximum against overflow.

# Arguments
- `x`: scores, (N, C) with samples in rows, or C entries for one sample.

# Returns
Probabilities, a new array of `x`'s shape, each row summing to 1.
"""
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

"""
What `cross_entropy_error` and `SoftmaxWithLoss` take: `y` with at least one row and
two classes; `t` one 0-based integer label in [0, classes) per row, or one-hot rows:
told by `y`'s size, as the book does, and then of `y`'s shape (pyref's rule). Anything else is an ArgumentError or DimensionMismatch naming it (a label
−1 is not a BoundsError, a wrong count not a number).
"""
function check_probabilities_and_labels(y::AbstractMatrix, t::AbstractArray, y_name::AbstractString="y")
    n, c = size(y)
    n > 0 || throw(ArgumentError("$y_name has no samples (an empty batch, size $(size(y)))"))
    c >= 2 || throw(ArgumentError("$y_name must have at least 2 classes (softmax over one class is always 1), got size $(size(y))"))
    if length(t) == length(y)   # one-hot rows: the book tells them by their size
        size(t) == size(y) ||
            throw(DimensionMismatch("t has the size of $y_name but not its shape: one-hot rows must have size $(size(y)), got $(size(t))"))
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

"""
    cross_entropy_error(y, t)

Mean cross-entropy of probabilities `y` (rows) against 0-based labels or one-hot rows.

# Arguments
- `y`: probabilities, (N, C) with samples in rows, or C entries for one sample.
- `t`: labels, N 0-based integers in [0, C), or one-hot rows of `y`'s size.

# Returns
−Σ log(y[i, tᵢ] + 1e-7) / N, a `Float64`.
"""
function cross_entropy_error(y::AbstractMatrix{Float64}, t::AbstractArray)
    check_probabilities_and_labels(y, t)
    labels = length(t) == length(y) ? argmax_rows(t) : t   # one-hot: t has y's size, as the book tests
    n = size(y, 1)
    picked = [np_log(y[i, labels[i] + 1] + CROSS_ENTROPY_DELTA) for i in 1:n]
    return -np_sum(picked) / n
end
cross_entropy_error(y::AbstractVector{Float64}, t) =
    cross_entropy_error(reshape(y, 1, :), length(t) == length(y) ? reshape(t, 1, :) : t)

"""
    numerical_gradient(f, x)

Central differences of `f` at `x`, perturbing `x` in place one entry at a time in
numpy's C order (for a matrix: row by row).

# Arguments
- `f`: a function of `x` returning a number; it may ignore its argument and read `x`
  through a closure, as the book's nets do.
- `x`: a Float64 array, any shape; restored after each perturbation.

# Returns
(f(x + h) − f(x − h)) / 2h per entry, a new array of `x`'s size.
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

"""
    smooth_curve(x)

Smooth a loss curve with a normalised Kaiser window, mirrored at both ends (the
book's util).

# Arguments
- `x`: a curve, a vector of at least `SMOOTH_WINDOW` (11) real numbers.

# Returns
The smoothed curve, a new `Vector{Float64}` of `length(x)` entries.

# Notes
A sliding dot product: the last bits may differ from numpy's convolve.
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
