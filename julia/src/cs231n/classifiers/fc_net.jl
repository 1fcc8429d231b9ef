# The assignment's fully-connected classifiers (twin of pyref/cs231n/classifiers/fc_net.py):
# parameters in `params` ("W1", "b1", ...; "gamma1", "beta1", ... with normalisation),
# `loss(model, X, y=nothing)` the scores or (loss, grads). Weights are
# weight_scale·randn(in, out) from numpy's global stream, layer by layer.

"""FullyConnectedNet's normalisations (nothing: none)."""
const NORMALIZATIONS = ("batchnorm", "layernorm")
"""The element types the nets compute in: Float64 (Python's float32 has no Julia twin)."""
const DTYPES = (Float64,)

const _Params = Dict{String,Array{Float64}}

function _check_labels(y, n::Int)
    (y isa AbstractVector && eltype(y) <: Integer) || throw(ArgumentError("y must be a vector of integer labels, not $(typeof(y))"))
    length(y) == n || throw(DimensionMismatch("y has $(length(y)) labels for $n samples"))
    return y
end

function _check_input(X, d::Int)
    X isa AbstractArray{<:Real} || throw(ArgumentError("X must be a numeric array, not $(typeof(X))"))
    (ndims(X) >= 2 && size(X, 1) > 0 && prod(size(X)[2:end]) == d) ||
        throw(DimensionMismatch("X must be samples of $d values, size (N, d_1, ..., d_k), got $(size(X))"))
    return X
end

"""affine - relu - affine - softmax, with L2 regularisation."""
mutable struct TwoLayerNet
    params::_Params
    reg::Float64
end

"""
    TwoLayerNet(; input_dim=3072, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0)

A new net, its weights drawn W1 then W2.
"""
function TwoLayerNet(; input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0)
    dims = [check_positive_int(n, v) for (n, v) in (("input_dim", input_dim), ("hidden_dim", hidden_dim),
                                                    ("num_classes", num_classes))]
    weight_scale = check_positive("weight_scale", weight_scale)
    model = TwoLayerNet(_Params(), check_nonnegative("reg", reg))
    for i in 1:2
        model.params["W$i"] = weight_scale .* NumpyRandom.randn(dims[i], dims[i + 1])
        model.params["b$i"] = zeros(dims[i + 1])
    end
    return model
end

"""
    loss(model::TwoLayerNet, X, y=nothing)

Scores (N, C) without labels, else (loss, grads).
"""
function loss(model::TwoLayerNet, X, y=nothing)
    p = model.params
    X = _check_input(X, size(p["W1"], 1))
    h, cache1 = affine_relu_forward(X, p["W1"], p["b1"])
    scores, cache2 = affine_forward(h, p["W2"], p["b2"])
    y === nothing && return scores
    y = _check_labels(y, size(X, 1))
    W1, W2 = p["W1"], p["W2"]
    data_loss, dscores = softmax_loss(scores, y)
    total = data_loss + 0.5 * model.reg * (np_sum(W1 .* W1) + np_sum(W2 .* W2))
    grads = _Params()
    dh, grads["W2"], grads["b2"] = affine_backward(dscores, cache2)
    _, grads["W1"], grads["b1"] = affine_relu_backward(dh, cache1)
    grads["W2"] .+= model.reg .* W2
    grads["W1"] .+= model.reg .* W1
    return total, grads
end

"""{affine - [batch/layer norm] - relu - [dropout]} × (L − 1) - affine - softmax."""
mutable struct FullyConnectedNet
    normalization::Union{Nothing,String}
    use_dropout::Bool
    reg::Float64
    num_layers::Int
    dtype::DataType
    params::_Params
    dropout_param::Dict{String,Any}
    bn_params::Vector{Dict{String,Any}}
end

"""
    FullyConnectedNet(hidden_dims; input_dim=3072, num_classes=10, dropout=1, normalization=nothing,
                      reg=0.0, weight_scale=1e-2, dtype=Float64, seed=nothing)

A new net, its weights drawn W1, W2, ... in turn; `dropout` the keep probability in
(0, 1] (1: none), `normalization` "batchnorm", "layernorm" or nothing, `seed` given to
the dropout layers.
"""
function FullyConnectedNet(hidden_dims; input_dim=3 * 32 * 32, num_classes=10, dropout=1, normalization=nothing,
                           reg=0.0, weight_scale=1e-2, dtype=Float64, seed=nothing)
    hidden_dims isa Union{AbstractVector,Tuple} ||
        throw(ArgumentError("hidden_dims must be a list of ints, not $(typeof(hidden_dims))"))
    hidden = [check_positive_int("hidden_dims[$(i - 1)]", h) for (i, h) in enumerate(hidden_dims)]
    dims = [check_positive_int("input_dim", input_dim); hidden; check_positive_int("num_classes", num_classes)]
    dropout = check_real("dropout", dropout)
    0 < dropout <= 1 || throw(ArgumentError("dropout is the keep probability, in (0, 1], got $dropout"))
    normalization === nothing || normalization in NORMALIZATIONS ||
        throw(ArgumentError("unknown normalization $(repr(normalization)); choose from batchnorm, layernorm or nothing"))
    dtype in DTYPES || throw(ArgumentError("dtype must be Float64 (PyRef.CS231n computes in Float64), got $dtype"))
    weight_scale = check_positive("weight_scale", weight_scale)
    num_layers = length(dims) - 1
    params = _Params()
    for i in 1:num_layers
        params["W$i"] = weight_scale .* NumpyRandom.randn(dims[i], dims[i + 1])
        params["b$i"] = zeros(dims[i + 1])
        if normalization !== nothing && i < num_layers
            params["gamma$i"] = ones(dims[i + 1])
            params["beta$i"] = zeros(dims[i + 1])
        end
    end
    dropout_param = Dict{String,Any}()
    if dropout != 1
        dropout_param["mode"] = "train"
        dropout_param["p"] = dropout
        seed === nothing || (dropout_param["seed"] = seed)
    end
    bn_params = normalization == "batchnorm" ? [Dict{String,Any}("mode" => "train") for _ in 1:(num_layers - 1)] :
                normalization == "layernorm" ? [Dict{String,Any}() for _ in 1:(num_layers - 1)] : Dict{String,Any}[]
    return FullyConnectedNet(normalization === nothing ? nothing : String(normalization), dropout != 1,
                             check_nonnegative("reg", reg), num_layers, dtype, params, dropout_param, bn_params)
end

"""
    loss(model::FullyConnectedNet, X, y=nothing)

Scores (N, C) in test mode (no labels), else (loss, grads) in train mode.
"""
function loss(model::FullyConnectedNet, X, y=nothing)
    p = model.params
    X = _check_input(X, size(p["W1"], 1))
    mode = y === nothing ? "test" : "train"
    model.use_dropout && (model.dropout_param["mode"] = mode)
    if model.normalization == "batchnorm"
        for bn_param in model.bn_params
            bn_param["mode"] = mode
        end
    end
    caches = Any[]
    h = X
    for i in 1:(model.num_layers - 1)
        w, b = p["W$i"], p["b$i"]
        if model.normalization == "batchnorm"
            h, cache = affine_bn_relu_forward(h, w, b, p["gamma$i"], p["beta$i"], model.bn_params[i])
        elseif model.normalization == "layernorm"
            h, cache = affine_ln_relu_forward(h, w, b, p["gamma$i"], p["beta$i"], model.bn_params[i])
        else
            h, cache = affine_relu_forward(h, w, b)
        end
        drop_cache = nothing
        model.use_dropout && ((h, drop_cache) = dropout_forward(h, model.dropout_param))
        push!(caches, (cache, drop_cache))
    end
    last = model.num_layers
    scores, last_cache = affine_forward(h, p["W$last"], p["b$last"])
    y === nothing && return scores
    y = _check_labels(y, size(X, 1))
    total, dscores = softmax_loss(scores, y)
    for i in 1:model.num_layers
        w = p["W$i"]
        total += 0.5 * model.reg * np_sum(w .* w)
    end
    grads = _Params()
    dh, grads["W$last"], grads["b$last"] = affine_backward(dscores, last_cache)
    for i in (model.num_layers - 1):-1:1
        cache, drop_cache = caches[i]
        model.use_dropout && (dh = dropout_backward(dh, drop_cache))
        if model.normalization == "batchnorm"
            dh, grads["W$i"], grads["b$i"], grads["gamma$i"], grads["beta$i"] = affine_bn_relu_backward(dh, cache)
        elseif model.normalization == "layernorm"
            dh, grads["W$i"], grads["b$i"], grads["gamma$i"], grads["beta$i"] = affine_ln_relu_backward(dh, cache)
        else
            dh, grads["W$i"], grads["b$i"] = affine_relu_backward(dh, cache)
        end
    end
    for i in 1:model.num_layers
        grads["W$i"] .+= model.reg .* p["W$i"]
    end
    return total, grads
end
