# The assignment's layers as pure function pairs (twin of pyref/cs231n/layers.py):
# `*_forward` returns (out, cache), `*_backward(dout, cache)` the gradients; the caches
# are the same tuples as Python's. numpy's sums, products, exp and log are PyRef's
# numpy kernels, so each result is numpy's bit for bit.

"""Batch/layer normalisation's default constant added to the variance."""
const NORM_EPS = 1e-5
"""Batch normalisation's default weight of the old running mean and variance."""
const BATCHNORM_MOMENTUM = 0.9
"""The modes of batch normalisation and dropout."""
const MODES = ("train", "test")
"""The keys each parameter dictionary may hold."""
const BN_PARAM_KEYS = ("mode", "eps", "momentum", "running_mean", "running_var")
const LN_PARAM_KEYS = ("mode", "eps")
const DROPOUT_PARAM_KEYS = ("mode", "p", "seed")

_f64(x::Array{Float64}) = x
_f64(x::AbstractArray{<:Real}) = Array{Float64}(x)
_f64(x) = throw(ArgumentError("expected a numeric array, got $(typeof(x))"))

function _array(name::AbstractString, x, nd::Union{Nothing,Int}=nothing)
    x isa AbstractArray{<:Real} || throw(ArgumentError("$name must be a numeric array, not $(typeof(x))"))
    nd === nothing || ndims(x) == nd ||
        throw(DimensionMismatch("$name must have $nd dimensions, got size $(size(x))"))
    return _f64(x)
end

function _check_keys(name::AbstractString, param, allowed)
    param isa AbstractDict || throw(ArgumentError("$name must be a Dict, not $(typeof(param))"))
    for key in keys(param)
        key in allowed || throw(ArgumentError("$name has an unknown key $(repr(key)); known: $(join(allowed, ", "))"))
    end
    return param
end

function _check_mode(name::AbstractString, param, default=nothing)::String
    haskey(param, "mode") || default !== nothing ||
        throw(ArgumentError("$name needs a 'mode' ('train' or 'test')"))
    return check_choice("$name['mode']", get(param, "mode", default), MODES)
end

function _check_features(name::AbstractString, v, d::Int)
    v = _array(name, v, 1)
    length(v) == d || throw(DimensionMismatch("$name has size $(size(v)); x has $d features, so ($d,)"))
    return v
end

"""Samples in rows, each flattened in numpy's C order: numpy's `x.reshape(N, -1)`."""
_flat_rows(x::AbstractMatrix) = x
_flat_rows(x::AbstractArray) = reshape(permutedims(x, (1, ndims(x):-1:2...)), size(x, 1), :)
"""numpy's `a.reshape(shape)` of C-ordered rows `a` (N, D) to `shape` (N, d_1, ..., d_k)."""
_unflat_rows(a::AbstractMatrix, shape::Tuple{Int,Int}) = a
_unflat_rows(a::AbstractMatrix, shape::Tuple) =
    permutedims(reshape(a, shape[1], reverse(shape[2:end])...), (1, length(shape):-1:2...))

"""`np.dot(a, b)`, `a` or `b` possibly numpy's `.T` of a C-ordered matrix (`ta`, `tb`)."""
function _dot(a::AbstractMatrix{Float64}, b::AbstractMatrix{Float64}; ta::Bool=false, tb::Bool=false)
    m, n = ta ? size(a, 2) : size(a, 1), tb ? size(b, 1) : size(b, 2)
    out = Matrix{Float64}(undef, m, n)
    blas_mode() === :native && return mul!(out, ta ? transpose(a) : a, tb ? transpose(b) : b)
    na = c_order!(Matrix{Float64}(undef, size(a, 2), size(a, 1)), a)
    nb = c_order!(Matrix{Float64}(undef, size(b, 2), size(b, 1)), b)
    return np_dot!(out, ta ? np_transpose(na) : na, tb ? np_transpose(nb) : nb)
end

"""
    affine_forward(x, w, b) -> (out, cache)

An affine layer: each sample of `x` (N, d_1, ..., d_k), flattened, times `w` (D, M)
plus `b` (M,); out (N, M), cache (x, w, b).
"""
function affine_forward(x, w, b)
    x = _array("x", x)
    w = _array("w", w, 2)
    b = _array("b", b, 1)
    (ndims(x) >= 1 && size(x, 1) > 0) || throw(ArgumentError("x must hold samples along its first axis, got size $(size(x))"))
    d = prod(size(x)[2:end])
    d == size(w, 1) || throw(DimensionMismatch("x has $d features per sample (size $(size(x))), w has $(size(w, 1)) rows"))
    length(b) == size(w, 2) || throw(DimensionMismatch("b has size $(size(b)); w has $(size(w, 2)) columns, so ($(size(w, 2)),)"))
    out = _dot(_flat_rows(x), w) .+ b'
    return out, (x, w, b)
end

"""
    affine_backward(dout, cache) -> (dx, dw, db)

The affine layer's gradients for `dout` (N, M): dx (N, d_1, ..., d_k), dw (D, M), db (M,).
"""
function affine_backward(dout, cache)
    x, w, _ = cache
    dout = _array("dout", dout, 2)
    size(dout) == (size(x, 1), size(w, 2)) ||
        throw(DimensionMismatch("dout has size $(size(dout)); the forward output had $((size(x, 1), size(w, 2)))"))
    dx = _unflat_rows(_dot(dout, w; tb=true), size(x))
    dw = _dot(_flat_rows(x), dout; ta=true)
    db = sum_rows(dout)
    return dx, dw, db
end

"""numpy's `np.maximum(v, 0)`: v unless 0 is larger (NaN and -0.0 stay)."""
_max0(v::Float64) = ifelse((v >= 0) | isnan(v), v, 0.0)

"""
    relu_forward(x) -> (out, cache)

max(0, x) elementwise; cache x.
"""
function relu_forward(x)
    x = _array("x", x)
    return _max0.(x), x
end

"""
    relu_backward(dout, cache) -> dx

The gradient passes where the input was > 0.
"""
function relu_backward(dout, cache)
    x = cache
    dout = _array("dout", dout)
    size(dout) == size(x) || throw(DimensionMismatch("dout has size $(size(dout)), relu's input has $(size(x))"))
    return ifelse.(x .> 0, dout, 0.0)
end

"""
    batchnorm_forward(x, gamma, beta, bn_param) -> (out, cache)

Batch normalisation of `x` (N, D) with scales `gamma` and shifts `beta` (D,);
`bn_param` as Python's ("mode" required, "eps", "momentum", "running_mean",
"running_var", updated in place in training). cache (mode, x_hat, gamma, xc, std).
"""
function batchnorm_forward(x, gamma, beta, bn_param)
    x = _array("x", x, 2)
    n, d = size(x)
    n > 0 || throw(ArgumentError("x has no samples (size (0, D))"))
    gamma = _check_features("gamma", gamma, d)
    beta = _check_features("beta", beta, d)
    _check_keys("bn_param", bn_param, BN_PARAM_KEYS)
    mode = _check_mode("bn_param", bn_param)
    eps = check_positive("bn_param['eps']", get(bn_param, "eps", NORM_EPS))
    momentum = check_real("bn_param['momentum']", get(bn_param, "momentum", BATCHNORM_MOMENTUM))
    0 <= momentum <= 1 || throw(ArgumentError("bn_param['momentum'] must be in [0, 1], got $momentum"))
    running_mean = _check_features("bn_param['running_mean']", get(bn_param, "running_mean", zeros(d)), d)
    running_var = _check_features("bn_param['running_var']", get(bn_param, "running_var", zeros(d)), d)
    if mode == "train"
        mean = sum_rows(x) ./ n
        xc = x .- mean'
        var = sum_rows(xc .* xc) ./ n
        std = sqrt.(var .+ eps)
        running_mean = momentum .* running_mean .+ (1 - momentum) .* mean
        running_var = momentum .* running_var .+ (1 - momentum) .* var
    else
        xc = x .- running_mean'
        std = sqrt.(running_var .+ eps)
    end
    x_hat = xc ./ std'
    out = gamma' .* x_hat .+ beta'
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, (mode, x_hat, gamma, xc, std)
end

function _check_norm_dout(dout, cache)
    dout = _array("dout", dout, 2)
    size(dout) == size(cache[2]) ||
        throw(DimensionMismatch("dout has size $(size(dout)), the forward output has $(size(cache[2]))"))
    return dout
end

"""
    batchnorm_backward(dout, cache) -> (dx, dgamma, dbeta)

Batch normalisation's gradients step by step back through its graph (see Python's Notes).
"""
function batchnorm_backward(dout, cache)
    mode, x_hat, gamma, xc, std = cache
    dout = _check_norm_dout(dout, cache)
    n = size(dout, 1)
    dbeta = sum_rows(dout)
    dgamma = sum_rows(dout .* x_hat)
    dx_hat = dout .* gamma'
    dxc = dx_hat ./ std'
    mode == "test" && return dxc, dgamma, dbeta
    dstd = .-sum_rows(dx_hat .* xc) ./ (std .* std)
    dvar = 0.5 .* dstd ./ std
    dxc .+= (2.0 / n) .* xc .* dvar'
    dmean = sum_rows(dxc)
    dx = dxc .- (dmean ./ n)'
    return dx, dgamma, dbeta
end

"""
    batchnorm_backward_alt(dout, cache) -> (dx, dgamma, dbeta)

Batch normalisation's gradients in one simplified expression.
"""
function batchnorm_backward_alt(dout, cache)
    mode, x_hat, gamma, _, std = cache
    dout = _check_norm_dout(dout, cache)
    n = size(dout, 1)
    dbeta = sum_rows(dout)
    dgamma = sum_rows(dout .* x_hat)
    dx_hat = dout .* gamma'
    mode == "test" && return dx_hat ./ std', dgamma, dbeta
    dx = (n .* dx_hat .- sum_rows(dx_hat)' .- x_hat .* sum_rows(dx_hat .* x_hat)') ./ (n .* std)'
    return dx, dgamma, dbeta
end

"""
    layernorm_forward(x, gamma, beta, ln_param) -> (out, cache)

Layer normalisation: each sample of `x` (N, D) over its features; cache
("train", x_hat, gamma, xc, std) with std (N, 1).
"""
function layernorm_forward(x, gamma, beta, ln_param)
    x = _array("x", x, 2)
    n, d = size(x)
    n > 0 || throw(ArgumentError("x has no samples (size (0, D))"))
    gamma = _check_features("gamma", gamma, d)
    beta = _check_features("beta", beta, d)
    _check_keys("ln_param", ln_param, LN_PARAM_KEYS)
    _check_mode("ln_param", ln_param, "train")
    eps = check_positive("ln_param['eps']", get(ln_param, "eps", NORM_EPS))
    mean = sum_last(x) ./ d
    xc = x .- mean
    var = sum_last(xc .* xc) ./ d
    std = reshape(sqrt.(var .+ eps), n, 1)
    x_hat = xc ./ std
    out = gamma' .* x_hat .+ beta'
    return out, ("train", x_hat, gamma, xc, std)
end

"""
    layernorm_backward(dout, cache) -> (dx, dgamma, dbeta)

Layer normalisation's gradients.
"""
function layernorm_backward(dout, cache)
    _, x_hat, gamma, _, std = cache
    dout = _check_norm_dout(dout, cache)
    d = size(dout, 2)
    dbeta = sum_rows(dout)
    dgamma = sum_rows(dout .* x_hat)
    dx_hat = dout .* gamma'
    dx = (d .* dx_hat .- sum_last(dx_hat) .- x_hat .* sum_last(dx_hat .* x_hat)) ./ (d .* std)
    return dx, dgamma, dbeta
end

"""
    dropout_forward(x, dropout_param) -> (out, cache)

Inverted dropout, "p" the keep probability in (0, 1]; "seed", if given, seeds numpy's
global stream first. cache (a copy of dropout_param, the mask or nothing).
"""
function dropout_forward(x, dropout_param)
    x = _array("x", x)
    _check_keys("dropout_param", dropout_param, DROPOUT_PARAM_KEYS)
    haskey(dropout_param, "p") || throw(ArgumentError("dropout_param needs 'p', the probability of keeping a unit"))
    p = check_real("dropout_param['p']", dropout_param["p"])
    0 < p <= 1 || throw(ArgumentError("dropout_param['p'] is the keep probability, in (0, 1], got $p"))
    mode = _check_mode("dropout_param", dropout_param)
    haskey(dropout_param, "seed") && NumpyRandom.seed!(NumpyRandom.global_state(), dropout_param["seed"])
    mask = nothing
    if mode == "train"
        mask = (NumpyRandom.rand(NumpyRandom.global_state(), size(x)...) .< p) ./ p
        out = x .* mask
    else
        out = x
    end
    param = Dict{String,Any}(dropout_param)
    param["mode"] = mode
    return out, (param, mask)
end

"""
    dropout_backward(dout, cache) -> dx

Dropout's gradient: through the kept units, scaled as in the forward pass.
"""
function dropout_backward(dout, cache)
    dropout_param, mask = cache
    dout = _array("dout", dout)
    dropout_param["mode"] == "test" && return dout
    size(dout) == size(mask) || throw(DimensionMismatch("dout has size $(size(dout)), the dropout mask has $(size(mask))"))
    return dout .* mask
end

function _check_scores_and_labels(x, y)
    x = _array("x", x, 2)
    (y isa AbstractVector && eltype(y) <: Integer) || throw(ArgumentError("y must be a vector of integer class labels, not $(typeof(y))"))
    n, c = size(x)
    n > 0 || throw(ArgumentError("x has no samples (size (0, C))"))
    length(y) == n || throw(DimensionMismatch("y has $(length(y)) labels for $n samples"))
    (minimum(y) >= 0 && maximum(y) < c) || throw(ArgumentError("y must be class indices in [0, $c), got $(minimum(y))..$(maximum(y))"))
    return x, y
end

"""
    svm_loss(x, y) -> (loss, dx)

The multiclass SVM loss with margin 1 for scores `x` (N, C) and 0-based labels `y` (N,).
"""
function svm_loss(x, y)
    x, y = _check_scores_and_labels(x, y)
    n = size(x, 1)
    correct = [x[i, y[i] + 1] for i in 1:n]
    margins = (v -> ifelse(0.0 >= v, 0.0, v)).(x .- correct .+ 1.0)
    for i in 1:n
        margins[i, y[i] + 1] = 0.0
    end
    loss = np_sum(margins) / n
    dx = Float64.(margins .> 0)
    counts = sum_last(dx)
    for i in 1:n
        dx[i, y[i] + 1] -= counts[i]
    end
    dx ./= n
    return loss, dx
end

"""
    softmax_loss(x, y) -> (loss, dx)

Softmax and the mean cross-entropy for scores `x` (N, C) and 0-based labels `y` (N,),
in log space from the row-shifted scores.
"""
function softmax_loss(x, y)
    x, y = _check_scores_and_labels(x, y)
    n = size(x, 1)
    shifted = x .- maximum(x; dims=2)
    log_probs = shifted .- np_log.(sum_last(np_exp.(shifted)))
    loss = -np_sum([log_probs[i, y[i] + 1] for i in 1:n]) / n
    dx = np_exp.(log_probs)
    for i in 1:n
        dx[i, y[i] + 1] -= 1
    end
    dx ./= n
    return loss, dx
end
