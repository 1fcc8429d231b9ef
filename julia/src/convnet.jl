# The book's SimpleConvNet (twin of pyref/convnet.py): conv - relu - pool - affine -
# relu - affine - softmax, weights drawn W1, W2, W3 from `rng` as pyref draws them.

const CONVNET_INPUT_DIM = (1, 28, 28)
const CONV_PARAM_KEYS = ("filter_num", "filter_size", "pad", "stride")
const CONV_PARAM = Dict{String,Int}("filter_num" => 30, "filter_size" => 5, "pad" => 0, "stride" => 1)
const CONVNET_HIDDEN_SIZE = 100
const CONVNET_OUTPUT_SIZE = NUM_CLASSES
const CONVNET_WEIGHT_INIT_STD = 0.01
const ACCURACY_BATCH = 100
const CONVNET_PARAM_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
const CONVNET_PARAMS_FILE = "params.npz"

"""
What the book's convolutional nets share (SimpleConvNet, DeepConvNet): their input
checks and the book's batched accuracy. A net has the fields `input_dim`,
`output_size`, `xbuf` and `batch`, and gives its test-mode scores by `_test_scores!`.
"""
abstract type ImageNet end

"""
    SimpleConvNet(; input_dim=(1, 28, 28), conv_param=Dict("filter_num" => 30,
        "filter_size" => 5, "pad" => 0, "stride" => 1), hidden_size=100, output_size=10,
        weight_init_std=0.01, rng)

Conv1, Relu1, Pool1 (2×2, stride 2), Affine1, Relu2, Affine2, softmax-with-loss, its
weights drawn W1, W2, W3 from `rng`. `params` maps "W1" (FN, C, FS, FS), "b1", "W2",
"b2", "W3", "b3" to the arrays the layers share (W2, W3 C-ordered, as numpy's).
Inputs are (N, C, H, W) arrays indexed as numpy's.

# Arguments
- `input_dim`: (C, H, W) of one image.
- `conv_param`: the convolution's "filter_num", "filter_size", "pad", "stride" (a
  `Dict`; missing keys take the book's values).
- `hidden_size`: units of the hidden Affine layer, ≥ 1.
- `output_size`: classes, ≥ 1.
- `weight_init_std`: the std of the initial weights, > 0.
- `rng`: the random stream (a `NumpyRandom.RandomState`), numpy's global one by default.
"""
mutable struct SimpleConvNet <: ImageNet
    input_dim::NTuple{3,Int}
    conv_param::Dict{String,Int}
    hidden_size::Int
    output_size::Int
    params::Params
    conv1::Convolution
    relu1::Relu
    pool1::Pooling
    affine1::Affine
    relu2::Relu
    affine2::Affine
    last_layer::SoftmaxWithLoss
    xbuf::Array{Float64,4}   # an input in numpy's memory order (W×H×C×N)
    batch::Array{Float64,4}
end

"""A convolution's settings, `default`'s where `conv_param` has none (`nothing`: all);
errors name the argument `name`."""
function conv_params(conv_param, name::AbstractString="conv_param", default=CONV_PARAM)::Dict{String,Int}
    conv_param === nothing && return Dict{String,Int}(default)
    conv_param isa AbstractDict || conv_param isa NamedTuple ||
        throw(ArgumentError("$name must be a dict, not $(typeof(conv_param))"))
    given = Dict{String,Any}(string(k) => v for (k, v) in pairs(conv_param))
    unknown = sort([k for k in keys(given) if !(k in CONV_PARAM_KEYS)])
    isempty(unknown) || throw(ArgumentError("$name has unknown keys [" * join(["'$k'" for k in unknown], ", ") *
                                            "]; it takes " * join(CONV_PARAM_KEYS, ", ")))
    p = merge(Dict{String,Any}(default), given)
    return Dict{String,Int}("filter_num" => check_positive_int("$name['filter_num']", p["filter_num"]),
                            "filter_size" => check_positive_int("$name['filter_size']", p["filter_size"]),
                            "pad" => check_nonnegative_int("$name['pad']", p["pad"]),
                            "stride" => check_positive_int("$name['stride']", p["stride"]))
end

function input_dims(input_dim)::NTuple{3,Int}
    (input_dim isa Union{Tuple,AbstractVector}) || throw(ArgumentError("input_dim must be (channels, height, width)"))
    length(input_dim) == 3 ||
        throw(ArgumentError("input_dim must be (channels, height, width), got $(Tuple(input_dim))"))
    return Tuple(check_positive_int("input_dim", v) for v in input_dim)
end

"""
    convnet_param_shapes(; input_dim=(1, 28, 28), conv_param, hidden_size=100, output_size=10)

The shapes of a SimpleConvNet's parameters, name => shape in the order they are drawn
("W1" (FN, C, FS, FS), "b1" (FN,), "W2" (pooled, hidden), "b2", "W3" (hidden, output),
"b3"), checked as the net checks them. The default is the book's net.
"""
function convnet_param_shapes(; input_dim=CONVNET_INPUT_DIM, conv_param=CONV_PARAM,
                              hidden_size::Integer=CONVNET_HIDDEN_SIZE, output_size::Integer=CONVNET_OUTPUT_SIZE)
    C, H, W = input_dims(input_dim)
    cp = conv_params(conv_param)
    hidden = check_positive_int("hidden_size", hidden_size)
    output = check_positive_int("output_size", output_size)
    fn, fs = cp["filter_num"], cp["filter_size"]
    sizes = Int[]
    for (axis, size) in (("height", H), ("width", W))
        conv = window_output_size(size, fs, cp["stride"], cp["pad"]; axis=axis, window_name="conv_param['filter_size']",
                                  input_name="input_dim")
        push!(sizes, window_output_size(conv, POOL_SIZE, POOL_SIZE, 0; axis=axis, window_name="the 2×2 pooling",
                                        input_name="the convolution's output"))
    end
    pooled = fn * sizes[1] * sizes[2]
    return Pair{String,Tuple{Vararg{Int}}}["W1" => (fn, C, fs, fs), "b1" => (fn,), "W2" => (pooled, hidden),
                                           "b2" => (hidden,), "W3" => (hidden, output), "b3" => (output,)]
end

function SimpleConvNet(; input_dim=CONVNET_INPUT_DIM, conv_param=CONV_PARAM, hidden_size::Integer=CONVNET_HIDDEN_SIZE,
                       output_size::Integer=CONVNET_OUTPUT_SIZE, weight_init_std::Real=CONVNET_WEIGHT_INIT_STD,
                       rng::NumpyRandom.RandomState=NumpyRandom.global_state())
    dim = input_dims(input_dim)
    cp = conv_params(conv_param)
    hidden = check_positive_int("hidden_size", hidden_size)
    output = check_positive_int("output_size", output_size)
    std = check_positive("weight_init_std", weight_init_std)
    shapes = Dict(convnet_param_shapes(; input_dim=dim, conv_param=cp, hidden_size=hidden, output_size=output))
    stride, pad = cp["stride"], cp["pad"]
    fn, C, fs, _ = shapes["W1"]
    pool_output_size = shapes["W2"][1]
    params = Params()
    params["W1"] = std .* NumpyRandom.randn(rng, fn, C, fs, fs)
    params["b1"] = zeros(fn)
    # The Affine weights C-ordered, as numpy's (see CMatrix): the layers' products then
    # run on them as they are, with no copy into numpy's order and no transposed dW.
    params["W2"] = c_matrix(std .* NumpyRandom.randn(rng, pool_output_size * hidden), pool_output_size, hidden)
    params["b2"] = zeros(hidden)
    params["W3"] = c_matrix(std .* NumpyRandom.randn(rng, hidden * output), hidden, output)
    params["b3"] = zeros(output)
    return SimpleConvNet(dim, cp, hidden, output, params,
                         Convolution(params["W1"]::Array{Float64,4}, params["b1"]::Vector{Float64}, stride, pad),
                         Relu(), Pooling(POOL_SIZE, POOL_SIZE, POOL_SIZE),
                         Affine(params["W2"]::CMatrix, params["b2"]::Vector{Float64}), Relu(),
                         Affine(params["W3"]::CMatrix, params["b3"]::Vector{Float64}), SoftmaxWithLoss(),
                         zeros(0, 0, 0, 0), zeros(0, 0, 0, 0))
end

function check_x(net::ImageNet, x)
    x = _check_rank4("x", x)
    check_batch("x", x)
    size(x)[2:4] == net.input_dim ||
        throw(DimensionMismatch("x has samples of shape $(size(x)[2:4]), the net takes $(net.input_dim) (channels, height, width)"))
    check_array("x", x)
    return x
end

"""Labels given as a column of class indices (N, 1), as the book's gradient_check.py
passes them, as a vector; anything else unchanged."""
column_labels(t::AbstractMatrix{<:Integer}, output_size::Integer) =
    size(t, 2) == 1 && output_size > 1 ? vec(t) : t
column_labels(t, output_size::Integer) = t

function check_xt(net::ImageNet, x, t)
    check_x(net, x)
    t = column_labels(t, net.output_size)
    check_labels("t", t, size(x, 1), net.output_size)
    return t
end

"""`x` as an `NCHW` view of numpy-ordered Float64 memory (converted into `buf` unless it is one)."""
_as_nchw!(net::ImageNet, x::NCHW{Float64}) = x
function _as_nchw!(net::ImageNet, x::AbstractArray{<:Real,4})
    N, C, H, W = size(x)
    net.xbuf = _sized(net.xbuf, (W, H, C, N))
    permutedims!(net.xbuf, x, (4, 3, 2, 1))
    return _nchw(net.xbuf)
end

"""The layers' forward passes on an `NCHW` input; returns Affine2's own output array."""
function _forward_layers!(net::SimpleConvNet, x::NCHW)
    h = forward!(net.relu1, forward!(net.conv1, x))
    p = forward!(net.pool1, h)
    n = size(p, 1)
    flat = transpose(reshape(parent(p), :, n))   # numpy's x.reshape(N, -1): C-ordered (N, C·OH·OW)
    return forward!(net.affine2, forward!(net.relu2, forward!(net.affine1, flat)))
end

"""Test-mode scores of an `NCHW` batch (ImageNet's `accuracy` calls it)."""
_test_scores!(net::SimpleConvNet, x::NCHW) = _forward_layers!(net, x)

"""
    predict(net::SimpleConvNet, x)

Scores (before softmax) for each image of `x`.

# Arguments
- `net`: the net.
- `x`: images, (N, C, H, W) indexed as numpy's (any layout), (C, H, W) = `input_dim`.

# Returns
Scores, a new (N, output_size) matrix.
"""
predict(net::SimpleConvNet, x) = copy(_forward_layers!(net, _as_nchw!(net, check_x(net, x))))

"""
    loss(net::SimpleConvNet, x, t)

Mean cross-entropy of the predictions against labels or one-hot rows `t`.

# Arguments
- `net`: the net.
- `x`: images, (N, C, H, W) indexed as numpy's.
- `t`: labels, N 0-based class indices (a vector or an (N, 1) column), or one-hot
  rows (N, output_size).

# Returns
The loss, a `Float64`.
"""
function loss(net::SimpleConvNet, x, t)
    t = check_xt(net, x, t)
    return forward(net.last_layer, _forward_layers!(net, _as_nchw!(net, x)), t)::Float64
end

"""
    accuracy(net::ImageNet, x, t; batch_size=100)

The book's accuracy: test-mode predictions in batches of `batch_size`; samples after
the last whole batch are not predicted but still counted.
"""
function accuracy(net::ImageNet, x, t; batch_size::Integer=ACCURACY_BATCH)::Float64
    t = check_xt(net, x, t)
    bs = check_positive_int("batch_size", batch_size)
    labels = ndims(t) == 2 ? argmax_rows(t) : t
    N = size(x, 1)
    nb = trunc(Int, N / bs)
    nb == 0 && return 0.0 / N
    xs = parent(_as_nchw!(net, x))
    W, H, C = size(xs, 1), size(xs, 2), size(xs, 3)
    per = W * H * C
    net.batch = _sized(net.batch, (W, H, C, bs))
    acc = 0.0
    for i in 0:(nb - 1)
        copyto!(net.batch, 1, xs, i * bs * per + 1, bs * per)
        y = argmax_rows(_test_scores!(net, _nchw(net.batch)))
        acc += count(k -> y[k] == labels[i * bs + k], 1:bs)
    end
    return acc / N
end

"""Forward and backward through every layer; the gradients are left on the layers."""
function _backprop!(net::SimpleConvNet, x, t)
    t = check_xt(net, x, t)
    forward(net.last_layer, _forward_layers!(net, _as_nchw!(net, x)), t)
    d2 = backward!(net.affine2, backward(net.last_layer, 1))
    dout = backward!(net.affine1, backward!(net.relu2, d2))
    backward!(net.conv1, backward!(net.relu1, backward!(net.pool1, _pool_dout(net, dout))); need_dx=false)
    return nothing
end

"""The first Affine layer's input gradient as the pooling's output, numpy's
`dout.reshape(N, C, OH, OW)`: in numpy BLAS mode the Affine layer hands on numpy's
C-ordered memory, whose 4-D view is (W, H, C, N) reversed."""
function _pool_dout(net::SimpleConvNet, dout::AbstractMatrix{Float64})
    OW, OH, C, N = size(net.pool1.out)
    return dout isa CMatrix ?
        PermutedDimsArray{Float64,4,(4,3,2,1),(4,3,2,1),Array{Float64,4}}(reshape(parent(dout), OW, OH, C, N)) :
        PermutedDimsArray{Float64,4,(1,4,3,2),(1,4,3,2),Array{Float64,4}}(reshape(dout, N, OW, OH, C))
end

"""Arrays to hold `net`'s gradients, one per parameter (for `gradient!`)."""
gradient_buffers(net::SimpleConvNet) = zeros_like(net.params)   # laid out as the parameters

"""
    gradient(net::SimpleConvNet, x, t)

Gradients of the loss by backpropagation, as new arrays.

# Arguments
- `net`: the net.
- `x`: images, (N, C, H, W) indexed as numpy's.
- `t`: labels, N 0-based class indices, or one-hot rows (N, output_size).

# Returns
Parameter name => gradient, each of the size and layout of `net.params[name]`.
"""
gradient(net::SimpleConvNet, x, t) = gradient!(gradient_buffers(net), net, x, t)

"""`gradient`, written into the arrays of `grads`."""
function gradient!(grads::AbstractDict, net::SimpleConvNet, x, t)
    _backprop!(net, x, t)
    for (idx, layer) in ((1, net.conv1), (2, net.affine1), (3, net.affine2))
        _copy_param!(grads["W$idx"], layer.dW)
        copyto!(grads["b$idx"], layer.db)
    end
    return grads
end
_copy_param!(dst::CMatrix, src::CMatrix) = (copyto!(parent(dst), parent(src)); dst)   # in memory order
_copy_param!(dst, src) = copyto!(dst, src)

"""
    numerical_gradient(net::SimpleConvNet, x, t)

Gradients by central differences of the loss (slow; for checks).

# Arguments
- `net`: the net.
- `x`: images, (N, C, H, W) indexed as numpy's.
- `t`: labels, N 0-based class indices, or one-hot rows (N, output_size).

# Returns
Parameter name => gradient, each of the size of `net.params[name]`.
"""
function numerical_gradient(net::SimpleConvNet, x, t)
    t = check_xt(net, x, t)
    f = _ -> forward(net.last_layer, _forward_layers!(net, _as_nchw!(net, x)), t)::Float64
    grads = Params()
    for idx in 1:3
        grads["W$idx"] = numerical_gradient(f, net.params["W$idx"])
        grads["b$idx"] = numerical_gradient(f, net.params["b$idx"])
    end
    return grads
end

"""
    check_params(params, shapes; source="params") -> Dict{String,Array{Float64}}

`params` checked against a net's `shapes` (name => shape pairs, as
`convnet_param_shapes` gives them) and returned as Float64 arrays: every name the net
has, and no other; each value an array of real floating-point numbers (Float16,
Float32, Float64) of its shape, finite. `source` (the argument, or the file they were
read from) starts every message. ArgumentError, or DimensionMismatch for a shape
(pyref's TypeError/ValueError), in pyref's order and words.
"""
function check_params(params, shapes; source::AbstractString="params")
    names = join([k for (k, _) in shapes], ", ")
    params isa AbstractDict || throw(ArgumentError("$source must be a dict of arrays, not $(typeof(params))"))
    isempty(params) && throw(ArgumentError("$source holds no arrays; the net needs $names"))
    wanted = Set(String(k) for (k, _) in shapes)
    extra = sort([string(k) for k in keys(params) if !(string(k) in wanted)])
    isempty(extra) || throw(ArgumentError("$source: $(join(extra, ", ")) is not a parameter of this net ($names)"))
    given = Dict{String,Any}(string(k) => v for (k, v) in params)
    out = Dict{String,Array{Float64}}()
    for (key, shape) in shapes
        haskey(given, key) || continue
        value = given[key]
        value isa AbstractArray ||
            throw(ArgumentError("$source: $key must be an array of floating-point numbers, not $(typeof(value))"))
        eltype(value) <: Union{Float16,Float32,Float64} ||
            throw(ArgumentError("$source: $key holds $(eltype(value)) values, not real floating-point numbers " *
                                "(Float16, Float32 or Float64)"))
        size(value) == Tuple(shape) ||
            throw(DimensionMismatch("$source: $key has shape $(size(value)), this net's has $(Tuple(shape))"))
        check_array("$source: $key", value)
        out[key] = Array{Float64}(value)   # a copy, as the net's own
    end
    missing = [k for (k, _) in shapes if !haskey(given, k)]
    isempty(missing) || throw(ArgumentError("$source has no $(join(missing, ", ")); the net needs $names"))
    return out
end

"""
    param_shapes(net::SimpleConvNet)

The shapes of `net`'s parameters.

# Arguments
- `net`: the net.

# Returns
"W1", "b1", "W2", "b2", "W3", "b3" => shape (a tuple), pairs in the order they are drawn.
"""
param_shapes(net::SimpleConvNet) = Pair{String,Tuple{Vararg{Int}}}[k => size(net.params[k]) for k in CONVNET_PARAM_NAMES]

"""
    set_params!(net::SimpleConvNet, params)

Take these parameters (all of them, checked first by `check_params`) and hand them to
the layers, as the book's load_params does.

# Arguments
- `net`: the net; changed in place.
- `params`: name => array for every parameter, each of its shape in `param_shapes(net)`
  (a dict such as `read_npz` returns).

# Returns
`net`.
"""
function set_params!(net::SimpleConvNet, params)
    checked = check_params(params, param_shapes(net))
    for (key, value) in checked
        # W2 and W3 stay C-ordered (as the net made them), the values those given.
        net.params[key] = net.params[key] isa CMatrix ? transpose(permutedims(value)) : value
    end
    for (idx, layer) in ((1, net.conv1), (2, net.affine1), (3, net.affine2))
        layer.W = net.params["W$idx"]
        layer.b = net.params["b$idx"]
    end
    return net
end

"""Write named arrays (name => array pairs, in order) as an .npz file (numpy's `np.savez`
format), atomically; `file_name` is checked first (`check_output_file`)."""
save_param_file(file_name::AbstractString, params) = write_npz(file_name, params)

"""
    load_param_file(file_name, shapes=convnet_param_shapes())

The parameters in an .npz file or the book's pickle of them, read by `read_arrays` (an .npz CRC-checked, a pickle by the restricted reader)
and checked by `check_params` against `shapes` (default: the book's SimpleConvNet);
every error names the file and the member.
"""
load_param_file(file_name::AbstractString, shapes=convnet_param_shapes()) =
    check_params(read_arrays(file_name, "parameter file"), shapes; source=file_name)

"""
    save_params(net::SimpleConvNet, file_name="params.npz")

Write the parameters as an .npz file (what numpy's `np.savez` writes), atomically.

# Arguments
- `net`: the net.
- `file_name`: the file to write (whatever its extension: the book's `params.pkl`
  gets .npz contents).

# Returns
`file_name`, the path written.
"""
save_params(net::SimpleConvNet, file_name::AbstractString=CONVNET_PARAMS_FILE) =
    save_param_file(file_name, [k => net.params[k] for k in CONVNET_PARAM_NAMES])

"""
    load_params(net::SimpleConvNet, file_name="params.npz")

Read parameters from an .npz file (numpy's `np.savez`, or `save_params`) into the net;
errors name the file and the member.

# Arguments
- `net`: the net; changed in place.
- `file_name`: the .npz file to read.

# Returns
`net`.
"""
load_params(net::SimpleConvNet, file_name::AbstractString=CONVNET_PARAMS_FILE) =
    set_params!(net, load_param_file(file_name, param_shapes(net)))

export ImageNet, SimpleConvNet, save_params, load_params, set_params!, save_param_file, load_param_file, check_params,
       convnet_param_shapes, param_shapes
