# Numerical gradients by centred differences (twin of pyref/cs231n/gradient_check.py):
# each entry of x is moved by +h and −h in turn, in numpy's C order, and restored;
# f sees x changed in place.

"""The step of the centred differences."""
const GRADIENT_H = 1e-5

"""x's indices in numpy's C order (the last index fastest)."""
_c_order_indices(x::AbstractArray) = (CartesianIndex(reverse(Tuple(I))) for I in CartesianIndices(reverse(size(x))))

"""numpy's `np.sum(a)` of an array of any dimensions: pairwise, in C order."""
_np_sum_c(a::AbstractArray{Float64}) = np_sum(vec(permutedims(a, ndims(a):-1:1)))

function _check_x(x, h)
    x isa AbstractArray{Float64} || throw(ArgumentError("x must be a Float64 array (it is changed in place by h), not $(typeof(x))"))
    return x, check_positive("h", h)
end

"""
    eval_numerical_gradient(f, x; verbose=true, h=GRADIENT_H)

The gradient of a scalar function f at x: (f(x + h) − f(x − h)) / 2h per entry
(f(x) is evaluated first, as Python does); `verbose` prints each 0-based index.
"""
function eval_numerical_gradient(f, x; verbose=true, h=GRADIENT_H)
    x, h = _check_x(x, h)
    verbose = check_flag("verbose", verbose)
    f(x)
    grad = zeros(size(x))
    for I in _c_order_indices(x)
        old = x[I]
        x[I] = old + h
        fxph = f(x)
        x[I] = old - h
        fxmh = f(x)
        x[I] = old
        grad[I] = (fxph - fxmh) / (2 * h)
        verbose && println("(", join(Tuple(I) .- 1, ", "), ") ", grad[I])
    end
    return grad
end

"""
    eval_numerical_gradient_array(f, x, df; h=GRADIENT_H)

The gradient of sum(f(x) .* df) for an array function f: a backward pass's dx for
the upstream gradient df, numerically.
"""
function eval_numerical_gradient_array(f, x, df; h=GRADIENT_H)
    x, h = _check_x(x, h)
    df = _array("df", df)
    grad = zeros(size(x))
    for I in _c_order_indices(x)
        old = x[I]
        x[I] = old + h
        pos = copy(f(x))
        x[I] = old - h
        neg = copy(f(x))
        x[I] = old
        size(pos) == size(df) || throw(DimensionMismatch("df has size $(size(df)), f(x) has $(size(pos))"))
        grad[I] = _np_sum_c((pos .- neg) .* df) / (2 * h)
    end
    return grad
end

"""
    grad_check_sparse(f, x, analytic_grad; num_checks=10, h=GRADIENT_H) -> Vector{Float64}

Compare `analytic_grad` with the numerical gradient at `num_checks` random entries
(one `np.random.randint(m)` per dimension from numpy's global stream), printing each
pair; returns the relative errors.
"""
function grad_check_sparse(f, x, analytic_grad; num_checks=10, h=GRADIENT_H)
    x, h = _check_x(x, h)
    analytic_grad = _array("analytic_grad", analytic_grad)
    size(analytic_grad) == size(x) ||
        throw(DimensionMismatch("analytic_grad has size $(size(analytic_grad)), x has $(size(x))"))
    num_checks = check_positive_int("num_checks", num_checks)
    errors = Float64[]
    for _ in 1:num_checks
        I = CartesianIndex(Tuple(NumpyRandom.randint(NumpyRandom.global_state(), m) + 1 for m in size(x)))
        old = x[I]
        x[I] = old + h
        fxph = f(x)
        x[I] = old - h
        fxmh = f(x)
        x[I] = old
        numerical = (fxph - fxmh) / (2 * h)
        analytic = analytic_grad[I]
        denom = abs(numerical) + abs(analytic)
        err = denom > 0 ? abs(numerical - analytic) / denom : 0.0
        @printf("numerical: %f analytic: %f, relative error: %e\n", numerical, analytic, err)
        push!(errors, err)
    end
    return errors
end
