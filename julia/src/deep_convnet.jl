# The book's DeepConvNet (twin of pyref/deep_convnet.py): six 3×3 convolutions with
# ReLU, 2×2 pooling after every second one, affine - relu - dropout - affine - dropout
# - softmax; He-scaled weights drawn W1 … W8 from `rng` as pyref draws them.

const DEEP_CONV_PARAMS = (
    Dict{String,Int}("filter_num" => 16, "filter_size" => 3, "pad" => 1, "stride" => 1),
    Dict{String,Int}("filter_num" => 16, "filter_size" => 3, "pad" => 1, "stride" => 1),
    Dict{String,Int}("filter_num" => 32, "filter_size" => 3, "pad" => 1, "stride" => 1),
    Dict{String,Int}("filter_num" => 32, "filter_size" => 3, "pad" => 2, "stride" => 1),
    Dict{String,Int}("filter_num" => 64, "filter_size" => 3, "pad" => 1, "stride" => 1),
    Dict{String,Int}("filter_num" => 64, "filter_size" => 3, "pad" => 1, "stride" => 1),
)
const DEEP_HIDDEN_SIZE = 50
"""The book's connections per neuron of each layer's inputs, fixed whatever the
arguments; the last, hidden_size, is appended."""
const DEEP_PRE_NODE_NUMS = (1 * 3 * 3, 16 * 3 * 3, 16 * 3 * 3, 32 * 3 * 3, 32 * 3 * 3, 64 * 3 * 3, 64 * 4 * 4)
const DEEP_DROPOUT_RATIO = 0.5
const DEEP_PARAM_NAMES = Tuple(kind * string(i) for i in 1:8 for kind in ("W", "b"))
"""The book's 0-based positions in `layers` of the layers holding W1/b1 … W8/b8."""
const DEEP_PARAM_LAYERS = (0, 2, 5, 7, 10, 12, 15, 18)
const _POOL_AFTER = (2, 4, 6)

"""The six convolutions' settings, each checked (`nothing`: the book's for that layer)."""
function _six_conv_params(settings)
    (settings isa Union{Tuple,AbstractVector}) ||
        throw(ArgumentError("conv_params must be a sequence of six conv_param dicts"))
    length(settings) == length(DEEP_CONV_PARAMS) ||
        throw(ArgumentError("conv_params must hold six conv_param dicts, got $(length(settings))"))
    return Dict{String,Int}[conv_params(p, "conv_param_$i", DEEP_CONV_PARAMS[i]) for (i, p) in enumerate(settings)]
end

"""
    deep_convnet_param_shapes(; input_dim=(1, 28, 28), conv_params=DEEP_CONV_PARAMS,
        hidden_size=50, output_size=10)

The shapes of a DeepConvNet's parameters, name => shape in the order they are drawn:
"W1" … "W6" (FN, C, FS, FS) with their biases, "W7" (pooled, hidden), "W8" (hidden,
output); checked as the net checks them. The default is the book's net.
"""
function deep_convnet_param_shapes(; input_dim=CONVNET_INPUT_DIM, conv_params=DEEP_CONV_PARAMS,
                                   hidden_size::Integer=DEEP_HIDDEN_SIZE, output_size::Integer=CONVNET_OUTPUT_SIZE)
    C, H, W = input_dims(input_dim)
    cps = _six_conv_params(conv_params)
    hidden = check_positive_int("hidden_size", hidden_size)
    output = check_positive_int("output_size", output_size)
    shapes = Pair{String,Tuple{Vararg{Int}}}[]
    channels, sizes = C, [H, W]
    for (idx, cp) in enumerate(cps)
        fn, fs = cp["filter_num"], cp["filter_size"]
        push!(shapes, "W$idx" => (fn, channels, fs, fs), "b$idx" => (fn,))
        for (k, axis) in enumerate(("height", "width"))
            sizes[k] = window_output_size(sizes[k], fs, cp["stride"], cp["pad"]; axis=axis,
                                          window_name="conv_param_$idx['filter_size']",
                                          input_name="convolution $idx's input")
            if idx in _POOL_AFTER
                sizes[k] = window_output_size(sizes[k], POOL_SIZE, POOL_SIZE, 0; axis=axis,
                                              window_name="the 2×2 pooling", input_name="convolution $idx's output")
            end
        end
        channels = fn
    end
    push!(shapes, "W7" => (channels * sizes[1] * sizes[2], hidden), "b7" => (hidden,),
          "W8" => (hidden, output), "b8" => (output,))
    return shapes
end

"""
    DeepConvNet(; input_dim=(1, 28, 28), conv_param_1=nothing, …, conv_param_6=nothing,
        hidden_size=50, output_size=10, rng)

The book's deep convolutional net: conv - relu - conv - relu - pool (three times),
affine - relu - dropout - affine - dropout - softmax. `layers` is the book's list of
20 layers; `params` maps "W1", "b1", … "W8", "b8" to the arrays the layers share
(W7, W8 C-ordered, as numpy's), drawn in that order from `rng` with He scales.
Inputs are (N, C, H, W) arrays indexed as numpy's.

# Arguments
- `input_dim`: (C, H, W) of one image.
- `conv_param_1`, `conv_param_2`, `conv_param_3`, `conv_param_4`, `conv_param_5`,
  `conv_param_6`: each convolution's "filter_num", "filter_size", "pad", "stride" (a
  `Dict`), or `nothing` for the book's.
- `hidden_size`: units of the hidden Affine layer, ≥ 1.
- `output_size`: classes, ≥ 1.
- `rng`: the random stream (a `NumpyRandom.RandomState`), numpy's global one by default.
"""
mutable struct DeepConvNet <: ImageNet
    input_dim::NTuple{3,Int}
    conv_params::Vector{Dict{String,Int}}
    hidden_size::Int
    output_size::Int
    params::Params
    convs::Vector{Convolution}
    relus::Vector{Relu}       # after each convolution, then after the first Affine
    pools::Vector{Pooling}
    affines::Vector{Affine}
    dropouts::Vector{Dropout}
    layers::Vector{Layer}     # all of them, in the book's order
    last_layer::SoftmaxWithLoss
    xbuf::Array{Float64,4}    # an input in numpy's memory order (W×H×C×N)
    batch::Array{Float64,4}
end

function DeepConvNet(; input_dim=CONVNET_INPUT_DIM, conv_param_1=nothing, conv_param_2=nothing, conv_param_3=nothing,
                     conv_param_4=nothing, conv_param_5=nothing, conv_param_6=nothing,
                     hidden_size::Integer=DEEP_HIDDEN_SIZE, output_size::Integer=CONVNET_OUTPUT_SIZE,
                     rng::NumpyRandom.RandomState=NumpyRandom.global_state())
    dim = input_dims(input_dim)
    cps = _six_conv_params([conv_param_1, conv_param_2, conv_param_3, conv_param_4, conv_param_5, conv_param_6])
    hidden = check_positive_int("hidden_size", hidden_size)
    output = check_positive_int("output_size", output_size)
    shapes = Dict(deep_convnet_param_shapes(; input_dim=dim, conv_params=cps, hidden_size=hidden, output_size=output))
    scales = sqrt.(2.0 ./ Float64[DEEP_PRE_NODE_NUMS..., hidden])   # He: recommended with ReLU
    params = Params()
    for idx in 1:6
        params["W$idx"] = scales[idx] .* NumpyRandom.randn(rng, shapes["W$idx"]...)
        params["b$idx"] = zeros(shapes["b$idx"])
    end
    for idx in 7:8   # C-ordered, as numpy's (see CMatrix)
        rows, cols = shapes["W$idx"]
        params["W$idx"] = c_matrix(scales[idx] .* NumpyRandom.randn(rng, rows * cols), rows, cols)
        params["b$idx"] = zeros(cols)
    end
    convs = Convolution[Convolution(params["W$i"]::Array{Float64,4}, params["b$i"]::Vector{Float64}, cps[i]["stride"],
                                    cps[i]["pad"]) for i in 1:6]
    relus = Relu[Relu() for _ in 1:7]
    pools = Pooling[Pooling(POOL_SIZE, POOL_SIZE, POOL_SIZE) for _ in 1:3]
    affines = Affine[Affine(params["W$i"]::CMatrix, params["b$i"]::Vector{Float64}) for i in 7:8]
    dropouts = Dropout[Dropout(DEEP_DROPOUT_RATIO; rng=rng) for _ in 1:2]
    layers = Layer[]
    for i in 1:6
        push!(layers, convs[i], relus[i])
        i in _POOL_AFTER && push!(layers, pools[i ÷ 2])
    end
    push!(layers, affines[1], relus[7], dropouts[1], affines[2], dropouts[2])
    return DeepConvNet(dim, cps, hidden, output, params, convs, relus, pools, affines, dropouts, layers,
                       SoftmaxWithLoss(), zeros(0, 0, 0, 0), zeros(0, 0, 0, 0))
end

"""Convolution `i` and the ReLU after it."""
_conv_relu!(net::DeepConvNet, i::Int, x::AbstractArray{<:Real,4}) = forward!(net.relus[i], forward!(net.convs[i], x))

"""Every layer's forward pass on an `NCHW` input; returns the last Dropout's own output."""
function _forward_layers!(net::DeepConvNet, x::NCHW, train_flg::Bool)
    p = x
    for k in 1:3
        p = forward!(net.pools[k], _conv_relu!(net, 2k, _conv_relu!(net, 2k - 1, p)))
    end
    n = size(p, 1)
    flat = transpose(reshape(parent(p), :, n))   # numpy's x.reshape(N, -1): C-ordered (N, C·OH·OW)
    h = forward!(net.dropouts[1], forward!(net.relus[7], forward!(net.affines[1], flat)), train_flg)
    return forward!(net.dropouts[2], forward!(net.affines[2], h), train_flg)
end

"""
    predict(net::DeepConvNet, x; train_flg=false)

Scores (before softmax) for each image of `x`.

# Arguments
- `net`: the net.
- `x`: images, (N, C, H, W) indexed as numpy's (any layout), (C, H, W) = `input_dim`.
- `train_flg`: true draws dropout masks (training), false scales by 1 − ratio (test).

# Returns
Scores, a new (N, output_size) matrix.
"""
predict(net::DeepConvNet, x; train_flg::Bool=false) =
    Matrix{Float64}(_forward_layers!(net, _as_nchw!(net, check_x(net, x)), train_flg))

"""
    loss(net::DeepConvNet, x, t)

Mean cross-entropy of the training-mode predictions (dropout masks drawn, as the
book's) against labels or one-hot rows `t`.

# Arguments
- `net`: the net.
- `x`: images, (N, C, H, W) indexed as numpy's.
- `t`: labels, N 0-based class indices (a vector or an (N, 1) column), or one-hot
  rows (N, output_size).

# Returns
The loss, a `Float64`.
"""
function loss(net::DeepConvNet, x, t)
    t = check_xt(net, x, t)
    return forward(net.last_layer, _forward_layers!(net, _as_nchw!(net, x), true), t)::Float64
end

"""Test-mode scores of an `NCHW` batch (ImageNet's `accuracy` calls it)."""
_test_scores!(net::DeepConvNet, x::NCHW) = _forward_layers!(net, x, false)

"""The first Affine layer's input gradient as the last pooling's output, numpy's
`dout.reshape(N, C, OH, OW)` (see SimpleConvNet's)."""
function _pool_dout(net::DeepConvNet, dout::AbstractMatrix{Float64})
    OW, OH, C, N = size(net.pools[3].out)
    return dout isa CMatrix ?
        PermutedDimsArray{Float64,4,(4,3,2,1),(4,3,2,1),Array{Float64,4}}(reshape(parent(dout), OW, OH, C, N)) :
        PermutedDimsArray{Float64,4,(1,4,3,2),(1,4,3,2),Array{Float64,4}}(reshape(dout, N, OW, OH, C))
end

"""Forward (training mode) and backward through every layer, the last first; the
gradients are left on the layers (the first convolution skips the images' gradient)."""
function _backprop!(net::DeepConvNet, x, t)
    t = check_xt(net, x, t)
    forward(net.last_layer, _forward_layers!(net, _as_nchw!(net, x), true), t)
    dout = backward!(net.dropouts[2], backward(net.last_layer, 1))
    dout = backward!(net.dropouts[1], backward!(net.affines[2], dout))
    g = _pool_dout(net, backward!(net.affines[1], backward!(net.relus[7], dout)))
    for k in 3:-1:1
        h = backward!(net.relus[2k - 1], backward!(net.convs[2k], backward!(net.relus[2k], backward!(net.pools[k], g))))
        # Unpadded, stride 1: numpy's dx is col2im's whole C-ordered array, which the
        # convolution below views in Fortran order for one sample; as a plain array its
        # backward pass reads it as numpy does.
        net.convs[2k].pad == 0 && net.convs[2k].stride == 1 && (h = collect(h))
        if k == 1
            backward!(net.convs[1], h; need_dx=false)
        else
            g = backward!(net.convs[2k - 1], h)
        end
    end
    return nothing
end

"""Arrays to hold `net`'s gradients, one per parameter (for `gradient!`)."""
gradient_buffers(net::DeepConvNet) = zeros_like(net.params)   # laid out as the parameters

"""
    gradient(net::DeepConvNet, x, t)

Gradients of the training-mode loss by backpropagation, as new arrays.

# Arguments
- `net`: the net.
- `x`: images, (N, C, H, W) indexed as numpy's.
- `t`: labels, N 0-based class indices, or one-hot rows (N, output_size).

# Returns
Parameter name => gradient, each of the size and layout of `net.params[name]`.
"""
gradient(net::DeepConvNet, x, t) = gradient!(gradient_buffers(net), net, x, t)

"""`gradient`, written into the arrays of `grads` (what the Trainer reuses)."""
function gradient!(grads::AbstractDict, net::DeepConvNet, x, t)
    _backprop!(net, x, t)
    for (i, idx) in enumerate(DEEP_PARAM_LAYERS)
        layer = net.layers[idx + 1]
        _copy_param!(grads["W$i"], layer.dW)
        copyto!(grads["b$i"], layer.db)
    end
    return grads
end

"""
    param_shapes(net::DeepConvNet)

The shapes of `net`'s parameters.

# Arguments
- `net`: the net.

# Returns
"W1", "b1", … "W8", "b8" => shape (a tuple), pairs in the order they are drawn.
"""
param_shapes(net::DeepConvNet) = Pair{String,Tuple{Vararg{Int}}}[k => size(net.params[k]) for k in DEEP_PARAM_NAMES]

"""
    set_params!(net::DeepConvNet, params)

Take these parameters (all of them, checked first by `check_params`) and hand them to
the layers, as the book's load_params does.

# Arguments
- `net`: the net; changed in place.
- `params`: name => array for every parameter, each of its shape in `param_shapes(net)`.

# Returns
`net`.
"""
function set_params!(net::DeepConvNet, params)
    checked = check_params(params, param_shapes(net))
    for (key, value) in checked
        net.params[key] = net.params[key] isa CMatrix ? transpose(permutedims(value)) : value
    end
    for (i, idx) in enumerate(DEEP_PARAM_LAYERS)
        layer = net.layers[idx + 1]
        layer.W = net.params["W$i"]
        layer.b = net.params["b$i"]
    end
    return net
end

"""
    save_params(net::DeepConvNet, file_name="params.npz")

Write the parameters as an .npz file (SimpleConvNet's `save_param_file`), atomically.

# Arguments
- `net`: the net.
- `file_name`: the file to write (whatever its extension).

# Returns
`file_name`, the path written.
"""
save_params(net::DeepConvNet, file_name::AbstractString=CONVNET_PARAMS_FILE) =
    save_param_file(file_name, [k => net.params[k] for k in DEEP_PARAM_NAMES])

"""
    load_params(net::DeepConvNet, file_name="params.npz")

Read parameters from an .npz file with SimpleConvNet's `load_param_file` into the net;
errors name the file and the member.

# Arguments
- `net`: the net; changed in place.
- `file_name`: the .npz file to read.

# Returns
`net`.
"""
load_params(net::DeepConvNet, file_name::AbstractString=CONVNET_PARAMS_FILE) =
    set_params!(net, load_param_file(file_name, param_shapes(net)))

export DeepConvNet, deep_convnet_param_shapes
