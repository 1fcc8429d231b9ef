# The book's fully connected nets (twin of pyref/nets.py): chapter 5's two-layer net
# of layers, MultiLayerNet and MultiLayerNetExtend; weights drawn at construction, W1
# first, as scale * randn(n_in, n_out) from `rng`.

const TWO_LAYER_WEIGHT_INIT_STD = 0.01
const TWO_LAYER_PARAM_NAMES = ("W1", "b1", "W2", "b2")
const WEIGHT_DECAY_KINDS = ("l2", "l1")

"""
    MultiLayerNetExtend(input_size, hidden_size_list, output_size; activation="relu",
        weight_init_std="relu", weight_decay_lambda=0, use_dropout=false, dropout_ration=0.5,
        dropout_ratio=nothing, use_batchnorm=false, weight_decay="l2", rng)

(Affine [BatchNorm] Activation [Dropout]) × hidden, Affine, Softmax-with-loss, its
weights drawn W1 first from `rng`. `params` maps "W1", "b1", …, "gamma1", "beta1", …
to arrays the layers share; the weights are C-ordered (`CMatrix`), as numpy's.

# Arguments
- `input_size`: features per sample, ≥ 1.
- `hidden_size_list`: units of each hidden layer, each ≥ 1.
- `output_size`: classes, ≥ 2.
- `activation`: "relu", "sigmoid" or "tanh".
- `weight_init_std`: "relu"/"he", "sigmoid"/"xavier", or a number (the std).
- `weight_decay_lambda`: the decay's weight, ≥ 0.
- `use_dropout`: Dropout after each hidden activation.
- `dropout_ration`: its ratio, in [0, 1) (the book's spelling).
- `dropout_ratio`: the same as `dropout_ration`, spelt right (`nothing`: use that).
- `use_batchnorm`: Batch Normalization after each hidden Affine.
- `weight_decay`: "l2" or "l1".
- `rng`: the random stream (a `NumpyRandom.RandomState`), numpy's global one by default.
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

"""
    MultiLayerNet(input_size, hidden_size_list, output_size; activation="relu",
        weight_init_std="relu", weight_decay_lambda=0, weight_decay="l2", rng)

The book's plain net: no Dropout, no Batch Normalization (a MultiLayerNetExtend without them).

# Arguments
- `input_size`, `hidden_size_list`, `output_size`, `activation`, `weight_init_std`,
  `weight_decay_lambda`, `weight_decay`, `rng`: as `MultiLayerNetExtend`'s.

# Returns
A `MultiLayerNetExtend` with `use_dropout` and `use_batchnorm` false.
"""
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

"""
    predict(net::MultiLayerNetExtend, x; train_flg=false)

Scores (before softmax) for each row of `x`.

# Arguments
- `net`: the net.
- `x`: inputs, (N, input_size), samples in rows.
- `train_flg`: true for training mode (dropout masks drawn, batch statistics).

# Returns
Scores, a new (N, output_size) matrix.
"""
function predict(net::MultiLayerNetExtend, x::AbstractMatrix; train_flg::Bool=false)
    return Matrix{Float64}(_forward_layers!(net, check_x(net, x), train_flg))
end

"""A matrix's elements in numpy's (row-major) order: a C-ordered one's memory, as it is."""
_row_major(W::CMatrix) = vec(parent(W))
_row_major(W::AbstractMatrix) = vec(permutedims(W))

"""
    weight_decay_penalty(net::MultiLayerNetExtend)

The decay term of the loss, accumulated over W1 … W(L+1) as numpy does:
½·lambda·ΣW² (L2) or lambda·Σ|W| (L1), each sum in numpy's order.

# Arguments
- `net`: the net.

# Returns
The penalty, a `Float64`.
"""
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

"""
    loss(net::MultiLayerNetExtend, x, t; train_flg=false)

Cross-entropy of the predictions plus the weight-decay penalty.

# Arguments
- `net`: the net.
- `x`: inputs, (N, input_size), samples in rows.
- `t`: labels, N 0-based class indices in [0, output_size), or one-hot rows (N, output_size).
- `train_flg`: true for training mode.

# Returns
The loss, a `Float64`.
"""
function loss(net::MultiLayerNetExtend, x::AbstractMatrix, t::AbstractArray; train_flg::Bool=false)
    check_xt(net, x, t)
    y = _forward_layers!(net, x, train_flg)
    return forward(net.last_layer, y, t)::Float64 + weight_decay_penalty(net)
end

"""
    accuracy(net::MultiLayerNetExtend, x, t)

Fraction of rows whose highest score is the label (test mode).

# Arguments
- `net`: the net.
- `x`: inputs, (N, input_size), samples in rows.
- `t`: labels, N 0-based class indices, or one-hot rows (N, output_size).

# Returns
The accuracy in [0, 1], a `Float64`.
"""
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

"""
    gradient(net::MultiLayerNetExtend, x, t)

Gradients of the loss by backpropagation, in training mode (dropout masks drawn,
batch statistics used and running averages updated), as new arrays.

# Arguments
- `net`: the net.
- `x`: inputs, (N, input_size), samples in rows.
- `t`: labels, N 0-based class indices, or one-hot rows (N, output_size).

# Returns
Parameter name => gradient, each of the size and layout of `net.params[name]`.
"""
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

"""
    numerical_gradient(net::MultiLayerNetExtend, x, t)

Gradients by central differences of the training-mode loss (slow; for checks).

# Arguments
- `net`: the net.
- `x`: inputs, (N, input_size), samples in rows.
- `t`: labels, N 0-based class indices, or one-hot rows (N, output_size).

# Returns
Parameter name => gradient, each of the size of `net.params[name]`.
"""
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

"""
    LayeredTwoLayerNet(input_size, hidden_size, output_size, weight_init_std=0.01; rng)

Chapter 5's TwoLayerNet (5.7.2): Affine1, Relu1, Affine2, softmax-with-loss, with
gradients by backpropagation or by central differences. W1 then W2 are drawn as
`weight_init_std · randn(n_in, n_out)` (C-ordered, as numpy's); biases are zeros.
`params` maps "W1", "b1", "W2", "b2" to the arrays the layers share. No weight-decay
term, as the book's (a `dW + 0·W` would turn -0.0 into +0.0).

# Arguments
- `input_size`: features per sample, ≥ 1.
- `hidden_size`: units of the hidden layer, ≥ 1.
- `output_size`: classes, ≥ 2.
- `weight_init_std`: the std of the initial weights, > 0.
- `rng`: the random stream (a `NumpyRandom.RandomState`), numpy's global one by default.
"""
mutable struct LayeredTwoLayerNet
    input_size::Int
    hidden_size::Int
    output_size::Int
    params::Params
    affine1::Affine
    relu1::Relu
    affine2::Affine
    last_layer::SoftmaxWithLoss
end

function LayeredTwoLayerNet(input_size::Integer, hidden_size::Integer, output_size::Integer,
                            weight_init_std::Real=TWO_LAYER_WEIGHT_INIT_STD;
                            rng::NumpyRandom.RandomState=NumpyRandom.global_state())
    n_in = check_positive_int("input_size", input_size)
    hidden = check_positive_int("hidden_size", hidden_size)
    n_out = check_positive_int("output_size", output_size)
    n_out >= 2 || throw(ArgumentError("output_size must be >= 2 (softmax over one class is always 1), got $output_size"))
    std = check_positive("weight_init_std", weight_init_std)
    params = Params()
    params["W1"] = c_matrix(std .* NumpyRandom.randn(rng, n_in * hidden), n_in, hidden)
    params["b1"] = zeros(hidden)
    params["W2"] = c_matrix(std .* NumpyRandom.randn(rng, hidden * n_out), hidden, n_out)
    params["b2"] = zeros(n_out)
    return LayeredTwoLayerNet(n_in, hidden, n_out, params,
                              Affine(params["W1"]::CMatrix, params["b1"]::Vector{Float64}), Relu(),
                              Affine(params["W2"]::CMatrix, params["b2"]::Vector{Float64}), SoftmaxWithLoss())
end

function check_x(net::LayeredTwoLayerNet, x::AbstractMatrix)
    check_batch("x", x)
    size(x, 2) == net.input_size ||
        throw(DimensionMismatch("x has $(size(x, 2)) features per sample, net takes $(net.input_size)"))
    return check_array("x", x)
end
check_x(net::LayeredTwoLayerNet, x) =
    throw(ArgumentError("x must have 2 dimensions (samples, features), got $(x isa AbstractArray ? size(x) : typeof(x))"))

function check_xt(net::LayeredTwoLayerNet, x, t::AbstractArray)
    check_x(net, x)
    check_labels("t", t, size(x, 1), net.output_size)
end

"""Affine1, Relu1, Affine2; returns Affine2's own output array."""
_forward_layers!(net::LayeredTwoLayerNet, x::AbstractMatrix) =
    forward!(net.affine2, forward!(net.relu1, forward!(net.affine1, _tofloat(x))))

"""
    predict(net::LayeredTwoLayerNet, x)

Scores (before softmax) for each row of `x`.

# Arguments
- `net`: the net.
- `x`: inputs, (N, input_size), samples in rows.

# Returns
Scores, a new (N, output_size) matrix.
"""
predict(net::LayeredTwoLayerNet, x) = Matrix{Float64}(_forward_layers!(net, check_x(net, x)))

"""
    loss(net::LayeredTwoLayerNet, x, t)

Mean cross-entropy of the predictions against labels or one-hot rows `t`.

# Arguments
- `net`: the net.
- `x`: inputs, (N, input_size), samples in rows.
- `t`: labels, N 0-based class indices in [0, output_size), or one-hot rows (N, output_size).

# Returns
The loss, a `Float64`.
"""
function loss(net::LayeredTwoLayerNet, x, t::AbstractArray)
    check_xt(net, x, t)
    return forward(net.last_layer, _forward_layers!(net, x), t)::Float64
end

"""
    accuracy(net::LayeredTwoLayerNet, x, t)

Fraction of rows whose highest score is the label: sum(y .== t) / N.

# Arguments
- `net`: the net.
- `x`: inputs, (N, input_size), samples in rows.
- `t`: labels, N 0-based class indices, or one-hot rows (N, output_size).

# Returns
The accuracy in [0, 1], a `Float64`.
"""
function accuracy(net::LayeredTwoLayerNet, x, t::AbstractArray)::Float64
    check_xt(net, x, t)
    y = argmax_rows(_forward_layers!(net, x))
    labels = ndims(t) == 2 ? argmax_rows(t) : t
    return count(i -> y[i] == labels[i], 1:length(y)) / Float64(size(x, 1))
end

"""
    numerical_gradient(net::LayeredTwoLayerNet, x, t)

Gradients by central differences of the loss, W1, b1, W2, b2 in turn (slow).

# Arguments
- `net`: the net.
- `x`: inputs, (N, input_size), samples in rows.
- `t`: labels, N 0-based class indices, or one-hot rows (N, output_size).

# Returns
Parameter name => gradient, each of the size of `net.params[name]`.
"""
function numerical_gradient(net::LayeredTwoLayerNet, x, t::AbstractArray)
    check_xt(net, x, t)
    f = _ -> forward(net.last_layer, _forward_layers!(net, x), t)::Float64
    grads = Params()
    for key in TWO_LAYER_PARAM_NAMES
        grads[key] = numerical_gradient(f, net.params[key])
    end
    return grads
end

"""
    gradient(net::LayeredTwoLayerNet, x, t)

Gradients of the loss by backpropagation, as new arrays.

# Arguments
- `net`: the net.
- `x`: inputs, (N, input_size), samples in rows.
- `t`: labels, N 0-based class indices, or one-hot rows (N, output_size).

# Returns
Parameter name => gradient, each of the size and layout of `net.params[name]`
(W1, W2 C-ordered).
"""
function gradient(net::LayeredTwoLayerNet, x, t::AbstractArray)
    check_xt(net, x, t)
    forward(net.last_layer, _forward_layers!(net, x), t)
    dout = backward(net.last_layer, 1)::Matrix{Float64}
    backward!(net.affine1, backward!(net.relu1, backward!(net.affine2, dout)); need_dx=false)
    return Params("W1" => copy(net.affine1.dW), "b1" => copy(net.affine1.db),
                  "W2" => copy(net.affine2.dW), "b2" => copy(net.affine2.db))
end

export LayeredTwoLayerNet, MultiLayerNet, MultiLayerNetExtend, predict, loss, accuracy, gradient, gradient!, gradient_buffers, numerical_gradient
