# The book's fully connected nets (twin of pyref/nets.py): weights drawn at
# construction, W1 first, as scale * randn(n_in, n_out) from `rng`.

const WEIGHT_DECAY_KINDS = ("l2", "l1")

"""
    MultiLayerNetExtend(input_size, hidden_size_list, output_size; activation="relu",
        weight_init_std="relu", weight_decay_lambda=0, use_dropout=false, dropout_ration=0.5,
        dropout_ratio=nothing, use_batchnorm=false, weight_decay="l2", rng)

(Affine [BatchNorm] Activation [Dropout]) × hidden, Affine, Softmax-with-loss.
`params` maps "W1", "b1", …, "gamma1", "beta1", … to arrays the layers share.
"""
mutable struct MultiLayerNetExtend
    input_size::Int
    output_size::Int
    hidden_size_list::Vector{Int}
    hidden_layer_num::Int
    activation::String
    weight_decay_lambda::Float64
    weight_decay::String
    dropout_ratio::Float64
    use_dropout::Bool
    use_batchnorm::Bool
    rng::NumpyRandom.RandomState
    params::Params
    layers::Vector{Layer}
    affines::Vector{Affine}
    batchnorms::Vector{BatchNormalization}
    last_layer::SoftmaxWithLoss
end

function MultiLayerNetExtend(input_size::Integer, hidden_size_list, output_size::Integer;
                             activation::AbstractString="relu", weight_init_std="relu",
                             weight_decay_lambda::Real=0, use_dropout=false,
                             dropout_ration::Real=0.5, dropout_ratio=nothing, use_batchnorm=false,
                             weight_decay::AbstractString="l2",
                             rng::NumpyRandom.RandomState=NumpyRandom.global_state())
    input_size = check_positive_int("input_size", input_size)
    output_size = check_positive_int("output_size", output_size)
    output_size >= 2 || throw(ArgumentError("output_size must be >= 2 (softmax over one class is always 1), got $output_size"))
    use_dropout = check_flag("use_dropout", use_dropout)
    use_batchnorm = check_flag("use_batchnorm", use_batchnorm)
    hidden = Int[check_positive_int("hidden_size_list", n) for n in hidden_size_list]
    act = check_choice("activation", activation, ACTIVATION_NAMES)
    lam = check_nonnegative("weight_decay_lambda", weight_decay_lambda)
    kind = check_choice("weight_decay", weight_decay, WEIGHT_DECAY_KINDS)
    ratio = check_unit_interval("dropout_ratio", dropout_ratio === nothing ? dropout_ration : dropout_ratio)
    params = Params()
    sizes = vcat(input_size, hidden, output_size)
    for idx in 1:(length(sizes) - 1)
        scale = weight_scale(weight_init_std, sizes[idx])
        # C-ordered, as numpy's: the draws fill the weights' memory in order.
        draws = NumpyRandom.randn(rng, sizes[idx] * sizes[idx + 1])
        params["W$idx"] = c_matrix(scale .* draws, sizes[idx], sizes[idx + 1])
        params["b$idx"] = zeros(sizes[idx + 1])
    end
    layers = Layer[]
    affines = Affine[]
    bns = BatchNormalization[]
    for idx in 1:length(hidden)
        push!(affines, Affine(params["W$idx"], params["b$idx"]))
        push!(layers, affines[end])
        if use_batchnorm
            params["gamma$idx"] = ones(hidden[idx])
            params["beta$idx"] = zeros(hidden[idx])
            push!(bns, BatchNormalization(params["gamma$idx"], params["beta$idx"]))
            push!(layers, bns[end])
        end
        push!(layers, ACTIVATIONS[act]())
        use_dropout && push!(layers, Dropout(ratio; rng=rng))
    end
    idx = length(hidden) + 1
    push!(affines, Affine(params["W$idx"], params["b$idx"]))
    push!(layers, affines[end])
    return MultiLayerNetExtend(input_size, output_size, hidden, length(hidden), act, lam, kind, ratio,
                               use_dropout, use_batchnorm, rng, params, layers, affines, bns, SoftmaxWithLoss())
end

"""The book's plain net: no Dropout, no Batch Normalization (a MultiLayerNetExtend without them)."""
MultiLayerNet(input_size::Integer, hidden_size_list, output_size::Integer;
              activation::AbstractString="relu", weight_init_std="relu", weight_decay_lambda::Real=0,
              weight_decay::AbstractString="l2", rng::NumpyRandom.RandomState=NumpyRandom.global_state()) =
    MultiLayerNetExtend(input_size, hidden_size_list, output_size; activation=activation,
                        weight_init_std=weight_init_std, weight_decay_lambda=weight_decay_lambda,
                        weight_decay=weight_decay, rng=rng)

"""`x` checked as the net's input (samples in rows, `input_size` features, finite)."""
function check_x(net::MultiLayerNetExtend, x::AbstractMatrix)
    check_batch("x", x)
    size(x, 2) == net.input_size ||
        throw(DimensionMismatch("x has $(size(x, 2)) features per sample, net takes $(net.input_size)"))
    return check_array("x", x)
end

"""`x` checked as the net's input and `t` as its labels."""
function check_xt(net::MultiLayerNetExtend, x::AbstractMatrix, t::AbstractArray)
    check_x(net, x)
    check_labels("t", t, size(x, 1), net.output_size)
end

"""The layers' forward passes; returns the last layer's own output array."""
function _forward_layers!(net::MultiLayerNetExtend, x::AbstractMatrix, train_flg::Bool)
    h = _tofloat(x)
    for layer in net.layers
        h = (layer isa Dropout || layer isa BatchNormalization) ? forward!(layer, h, train_flg) : forward!(layer, h)
    end
    return h
end

"""Scores (before softmax) for each row of `x`."""
function predict(net::MultiLayerNetExtend, x::AbstractMatrix; train_flg::Bool=false)
    return Matrix{Float64}(_forward_layers!(net, check_x(net, x), train_flg))
end

"""A matrix's elements in numpy's (row-major) order: a C-ordered one's memory, as it is."""
_row_major(W::CMatrix) = vec(parent(W))
_row_major(W::AbstractMatrix) = vec(permutedims(W))

"""The decay term of the loss, accumulated over W1 … W(L+1) as numpy does."""
function weight_decay_penalty(net::MultiLayerNetExtend)::Float64
    penalty = 0.0
    for idx in 1:(net.hidden_layer_num + 1)
        w = _row_major(net.params["W$idx"])
        if net.weight_decay == "l2"
            penalty += 0.5 * net.weight_decay_lambda * np_sum(w .* w)
        else
            penalty += net.weight_decay_lambda * np_sum(abs.(w))
        end
    end
    return penalty
end

"""Cross-entropy of the predictions plus the weight-decay penalty."""
function loss(net::MultiLayerNetExtend, x::AbstractMatrix, t::AbstractArray; train_flg::Bool=false)
    check_xt(net, x, t)
    y = _forward_layers!(net, x, train_flg)
    return forward(net.last_layer, y, t)::Float64 + weight_decay_penalty(net)
end

"""Fraction of rows whose highest score is the label (test mode)."""
function accuracy(net::MultiLayerNetExtend, x::AbstractMatrix, t::AbstractArray)::Float64
    check_xt(net, x, t)
    y = argmax_rows(_forward_layers!(net, x, false))
    labels = ndims(t) == 2 ? argmax_rows(t) : t
    return count(i -> y[i] == labels[i], 1:length(y)) / Float64(size(x, 1))
end

"""Forward (training mode) and backward through every layer: the parameter
gradients are left on the layers (the first Affine skips the input's gradient)."""
function _backprop!(net::MultiLayerNetExtend, x::AbstractMatrix, t::AbstractArray)
    check_xt(net, x, t)
    forward(net.last_layer, _forward_layers!(net, x, true), t)
    dout = backward(net.last_layer, 1)::Matrix{Float64}
    layers = net.layers
    for k in length(layers):-1:2
        dout = backward!(layers[k], dout)
    end
    backward!(layers[1]::Affine, dout; need_dx=false)
    return nothing
end

"""The gradient of W: dW plus the decay term's, lam·W (L2) or lam·sign(W) (L1)."""
function _decayed!(g::AbstractMatrix{Float64}, net::MultiLayerNetExtend, affine::Affine, W::AbstractMatrix{Float64})
    lam = net.weight_decay_lambda
    gm, dW, w = _parents_if_c_ordered(g, affine.dW, W)   # elementwise: on the buffers when all are C-ordered
    net.weight_decay == "l2" ? (gm .= dW .+ lam .* w) : (gm .= dW .+ lam .* sign.(w))
    return g
end

"""Arrays to hold `net`'s gradients, one per parameter (for `gradient!`)."""
gradient_buffers(net::MultiLayerNetExtend) = zeros_like(net.params)   # laid out as the parameters

"""Gradients by backpropagation (training mode), as new arrays."""
gradient(net::MultiLayerNetExtend, x::AbstractMatrix, t::AbstractArray) = gradient!(gradient_buffers(net), net, x, t)

"""
    gradient!(grads, net, x, t)

`gradient`, written into the arrays of `grads` (a dict from an earlier `gradient`
call or with arrays of the parameters' sizes): training loops reuse one, sparing
an allocation per parameter and step.
"""
function gradient!(grads::AbstractDict, net::MultiLayerNetExtend, x::AbstractMatrix, t::AbstractArray)
    _backprop!(net, x, t)
    for idx in 1:(net.hidden_layer_num + 1)
        affine = net.affines[idx]
        _decayed!(grads["W$idx"], net, affine, net.params["W$idx"])
        copyto!(grads["b$idx"], affine.db)
        if net.use_batchnorm && idx != net.hidden_layer_num + 1
            copyto!(grads["gamma$idx"], net.batchnorms[idx].dgamma)
            copyto!(grads["beta$idx"], net.batchnorms[idx].dbeta)
        end
    end
    return grads
end

"""Gradients by central differences of the training-mode loss (slow; for checks)."""
function numerical_gradient(net::MultiLayerNetExtend, x::AbstractMatrix, t::AbstractArray)
    check_xt(net, x, t)
    f = _ -> loss(net, x, t; train_flg=true)
    grads = Params()
    for idx in 1:(net.hidden_layer_num + 1)
        grads["W$idx"] = numerical_gradient(f, net.params["W$idx"])
        grads["b$idx"] = numerical_gradient(f, net.params["b$idx"])
        if net.use_batchnorm && idx != net.hidden_layer_num + 1
            grads["gamma$idx"] = numerical_gradient(f, net.params["gamma$idx"])
            grads["beta$idx"] = numerical_gradient(f, net.params["beta$idx"])
        end
    end
    return grads
end

export MultiLayerNet, MultiLayerNetExtend, predict, loss, accuracy, gradient, gradient!, gradient_buffers, numerical_gradient
