# Chapter 4's numerical differentiation and gradient descent (twin of pyref/gradient.py).
# The gradient of a function of a whole array (the nets') is functions.jl's numerical_gradient.

const GRADIENT_DESCENT_LR = 0.01
const GRADIENT_DESCENT_STEPS = 100

"""
    numerical_diff(f, x)

The central difference (f(x + h) - f(x - h)) / 2h, h = 1e-4 (4.3.1), of a function of
a number (or of an array, elementwise).
"""
function numerical_diff(f, x::Union{Real,AbstractArray{<:Real}})
    f isa Base.Callable || throw(ArgumentError("f must be a function, not $(typeof(f))"))
    h = NUMERICAL_GRADIENT_H
    return (f(x .+ h) .- f(x .- h)) ./ (2 * h)
end
numerical_diff(f, x) = throw(ArgumentError("x must be a number or a numeric array, not $(typeof(x))"))

function _check_gradient_args(f, x::AbstractArray, ndim)
    f isa Base.Callable || throw(ArgumentError("f must be a function, not $(typeof(f))"))
    ndims(x) in ndim ||
        throw(ArgumentError("x must have $(join(ndim, " or ")) dimensions, got size $(size(x))"))
    eltype(x) <: AbstractFloat ||
        throw(ArgumentError("x must be a floating-point array (x + $NUMERICAL_GRADIENT_H must fit in it), not $(eltype(x))"))
    return x
end

"""
    numerical_gradient_1d(f, x)

Central-difference gradient of `f` at the vector `x` (gradient_2d.py's
`_numerical_gradient_no_batch`): each entry in turn set to x + h, then x - h, `f`
called on `x` itself, the entry put back.
"""
numerical_gradient_1d(f, x::AbstractArray) = _gradient_1d(f, _check_gradient_args(f, x, (1,)))

function _gradient_1d(f, x::AbstractVector)
    h = NUMERICAL_GRADIENT_H
    grad = zero(x)
    for idx in eachindex(x)
        tmp_val = x[idx]
        x[idx] = Float64(tmp_val) + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    end
    return grad
end

"""
    numerical_gradient_2d(f, X)

gradient_2d.py's `numerical_gradient`: for a vector, `numerical_gradient_1d`; for a
matrix, that of each row in turn, `f` called on the row (a view: X is perturbed).
"""
function numerical_gradient_2d(f, X::AbstractArray)
    _check_gradient_args(f, X, (1, 2))
    ndims(X) == 1 && return _gradient_1d(f, X)
    grad = zero(X)
    for idx in axes(X, 1)
        grad[idx, :] = _gradient_1d(f, view(X, idx, :))
    end
    return grad
end

"""
    gradient_descent(f, init_x, lr=0.01, step_num=100) -> (x, x_history)

`step_num` steps x -= lr * gradient from `init_x`, updated in place (the book's
`x = init_x`); `x_history` holds the points before each step, one per row.
"""
function gradient_descent(f, init_x::AbstractArray, lr=GRADIENT_DESCENT_LR, step_num=GRADIENT_DESCENT_STEPS)
    x = _check_gradient_args(f, init_x, (1,))
    lr = check_real("lr", lr)
    step_num = check_nonnegative_int("step_num", step_num)
    x_history = zeros(eltype(x), step_num, length(x))
    for i in 1:step_num
        x_history[i, :] = x
        grad = _gradient_1d(f, x)
        x .-= lr .* grad
    end
    return x, x_history
end

export numerical_diff, numerical_gradient_1d, numerical_gradient_2d, gradient_descent
