# The book's nets written with plain functions (twin of pyref/simple_nets.py): 3.6's
# three-layer inference on sample_weight.pkl, 4.4.2's simpleNet, ch04's two-layer net.
# Weights are C-ordered (c_matrix) and drawn in numpy's order, as the nets of nets.jl.

const SAMPLE_NETWORK_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
const SAMPLE_WEIGHT_FILE = "sample_weight.pkl"
const TWO_LAYER_WEIGHT_INIT_STD = 0.01
const TWO_LAYER_PARAM_NAMES = ("W1", "b1", "W2", "b2")

"""
    init_network(path="sample_weight.pkl") -> Dict

The trained weights of 3.6's net from `path` (the book's pickle, read by PyRef's
restricted reader, or an .npz of the same arrays), as the file holds them.
"""
init_network(path::AbstractString=SAMPLE_WEIGHT_FILE) =
    check_network(read_arrays(path, "weight file"); source=path)

"""
    check_network(network; source="network")

`network` as 3.6's net takes it: W1, b1, W2, b2, W3, b3, each W a matrix whose rows
match the previous layer's width and each b a vector of its W's width.
"""
function check_network(network::AbstractDict; source::AbstractString="network")
    missing_names = [k for k in SAMPLE_NETWORK_NAMES if !haskey(network, k)]
    isempty(missing_names) ||
        throw(ArgumentError("$source has no $(join(missing_names, ", ")); the net needs W1, b1 .. W3, b3"))
    width = nothing
    for idx in 1:3
        W = check_array("$source: W$idx", network["W$idx"]; ndim=(2,))
        b = check_array("$source: b$idx", network["b$idx"]; ndim=(1,))
        width === nothing || size(W, 1) == width ||
            throw(DimensionMismatch("$source: W$idx has $(size(W, 1)) rows, the layer before gives $width"))
        length(b) == size(W, 2) ||
            throw(DimensionMismatch("$source: b$idx has $(length(b)) entries, W$idx has $(size(W, 2)) columns"))
        width = size(W, 2)
    end
    return network
end
check_network(network; source::AbstractString="network") =
    throw(ArgumentError("network must be a dict of arrays, not $(typeof(network))"))

# np.dot(a, b) of a sample (a vector: numpy's gemv) or a batch, in Float64.
_dot(a::AbstractVector, b::AbstractMatrix) = vec(np_dot(reshape(a, 1, :), b))
_dot(a::AbstractMatrix, b::AbstractMatrix) = np_dot(a, b)

"""
    predict(network::AbstractDict, x)

3.6's forward pass: sigmoid(x·W1 + b1), sigmoid(·W2 + b2), softmax(·W3 + b3), for one
sample (a vector) or a batch (one sample per row), in Float64 (exact to numpy's for
Float64 weights; Float32 ones are computed in Float64, not in numpy's float32).
"""
function predict(network::AbstractDict, x::AbstractVecOrMat{<:Real})
    check_network(network)
    check_array("x", x; ndim=(1, 2), finite=false)
    size(x, ndims(x)) == size(network["W1"], 1) ||
        throw(DimensionMismatch("x has $(size(x, ndims(x))) features, the net takes $(size(network["W1"], 1))"))
    W1, W2, W3 = network["W1"], network["W2"], network["W3"]
    b1, b2, b3 = network["b1"], network["b2"], network["b3"]
    row(b) = ndims(x) == 1 ? Float64.(b) : reshape(Float64.(b), 1, :)
    a1 = _dot(x, W1) .+ row(b1)
    z1 = sigmoid(a1)
    a2 = _dot(z1, W2) .+ row(b2)
    z2 = sigmoid(a2)
    a3 = _dot(z2, W3) .+ row(b3)
    return softmax(a3)
end

"""
    SimpleNet(; rng)

4.4.2's simpleNet: one weight matrix W (2, 3) drawn as randn(2, 3); predict is x·W,
loss the cross-entropy of its softmax.
"""
mutable struct SimpleNet
    W::CMatrix
end
SimpleNet(; rng::NumpyRandom.RandomState=NumpyRandom.global_state()) =
    SimpleNet(c_matrix(NumpyRandom.randn(rng, 6), 2, 3))

function predict(net::SimpleNet, x::AbstractVecOrMat{<:Real})
    size(x, ndims(x)) == 2 || throw(DimensionMismatch("x has $(size(x, ndims(x))) features, the net takes 2"))
    return _dot(x, net.W)
end

function loss(net::SimpleNet, x, t)
    y = softmax(predict(net, x))
    return cross_entropy_error(y, t)
end

"""
    SigmoidTwoLayerNet(input_size, hidden_size, output_size, weight_init_std=0.01; rng)

ch04's TwoLayerNet: affine - sigmoid - affine - softmax; W1 = std · randn(input,
hidden), then W2 = std · randn(hidden, output), biases zeros.
"""
mutable struct SigmoidTwoLayerNet
    params::Params
end

function SigmoidTwoLayerNet(input_size::Integer, hidden_size::Integer, output_size::Integer,
                            weight_init_std::Real=TWO_LAYER_WEIGHT_INIT_STD;
                            rng::NumpyRandom.RandomState=NumpyRandom.global_state())
    input_size = check_positive_int("input_size", input_size)
    hidden_size = check_positive_int("hidden_size", hidden_size)
    output_size = check_positive_int("output_size", output_size)
    output_size >= 2 ||
        throw(ArgumentError("output_size must be >= 2 (softmax over one class is always 1), got $output_size"))
    std = check_real("weight_init_std", weight_init_std)
    params = Params()
    params["W1"] = c_matrix(std .* NumpyRandom.randn(rng, input_size * hidden_size), input_size, hidden_size)
    params["b1"] = zeros(hidden_size)
    params["W2"] = c_matrix(std .* NumpyRandom.randn(rng, hidden_size * output_size), hidden_size, output_size)
    params["b2"] = zeros(output_size)
    return SigmoidTwoLayerNet(params)
end

function _check_x(net::SigmoidTwoLayerNet, x::AbstractArray)
    check_batch("x", x)
    (ndims(x) == 2 && size(x, 2) == size(net.params["W1"], 1)) ||
        throw(DimensionMismatch("x must have size (N, $(size(net.params["W1"], 1))), got $(size(x))"))
    return x
end

function _predict(net::SigmoidTwoLayerNet, x::AbstractMatrix)
    p = net.params
    a1 = np_dot(x, p["W1"]) .+ p["b1"]'
    z1 = sigmoid(a1)
    a2 = np_dot(z1, p["W2"]) .+ p["b2"]'
    return softmax(a2)
end

predict(net::SigmoidTwoLayerNet, x::AbstractMatrix) = _predict(net, _check_x(net, x))
loss(net::SigmoidTwoLayerNet, x::AbstractMatrix, t) = cross_entropy_error(predict(net, x), t)

function accuracy(net::SigmoidTwoLayerNet, x::AbstractMatrix, t::AbstractMatrix)
    y = predict(net, x)
    size(t) == size(y) || throw(DimensionMismatch("t must be one-hot rows of size $(size(y)), got $(size(t))"))
    return count(argmax_rows(y) .== argmax_rows(t)) / Float64(size(x, 1))
end
accuracy(net::SigmoidTwoLayerNet, x::AbstractMatrix, t::AbstractArray) =
    throw(ArgumentError("t must be one-hot rows (the book's accuracy takes them), got size $(size(t))"))

function numerical_gradient(net::SigmoidTwoLayerNet, x::AbstractMatrix, t)
    _check_x(net, x)
    check_probabilities_and_labels(_predict(net, x), t)
    loss_w = _ -> cross_entropy_error(_predict(net, x), t)
    return Params(k => numerical_gradient(loss_w, net.params[k]) for k in TWO_LAYER_PARAM_NAMES)
end

# np.dot(a.T, b) and np.dot(a, b.T) as numpy calls them: the transpose a Fortran-ordered view.
function _dot_tn(a::AbstractMatrix, b::AbstractMatrix)
    blas_mode() === :native && return Float64.(a)' * Float64.(b)
    af, bf = Float64.(a), Float64.(b)
    out = Matrix{Float64}(undef, size(a, 2), size(b, 2))
    return np_dot!(out, np_transpose(c_order!(similar(af, size(af, 2), size(af, 1)), af)),
                   c_order!(similar(bf, size(bf, 2), size(bf, 1)), bf))
end
function _dot_nt(a::AbstractMatrix, b::AbstractMatrix)
    blas_mode() === :native && return Float64.(a) * Float64.(b)'
    af, bf = Float64.(a), Float64.(b)
    out = Matrix{Float64}(undef, size(a, 1), size(b, 1))
    return np_dot!(out, c_order!(similar(af, size(af, 2), size(af, 1)), af),
                   np_transpose(c_order!(similar(bf, size(bf, 2), size(bf, 1)), bf)))
end

function gradient(net::SigmoidTwoLayerNet, x::AbstractMatrix, t::AbstractMatrix)
    _check_x(net, x)
    p = net.params
    W1, W2, b1, b2 = p["W1"], p["W2"], p["b1"], p["b2"]
    size(t) == (size(x, 1), size(W2, 2)) ||
        throw(DimensionMismatch("t must be one-hot rows of size $((size(x, 1), size(W2, 2))), got $(size(t))"))
    grads = Params()
    batch_num = size(x, 1)
    a1 = np_dot(x, W1) .+ b1'
    z1 = sigmoid(a1)
    a2 = np_dot(z1, W2) .+ b2'
    y = softmax(a2)
    dy = (y .- t) ./ batch_num
    grads["W2"] = _dot_tn(z1, dy)
    grads["b2"] = sum_rows(dy)
    dz1 = _dot_nt(dy, W2)
    da1 = sigmoid_grad(a1) .* dz1
    grads["W1"] = _dot_tn(x, da1)
    grads["b1"] = sum_rows(da1)
    return grads
end
gradient(net::SigmoidTwoLayerNet, x::AbstractMatrix, t::AbstractArray) =
    throw(ArgumentError("t must be one-hot rows (the book's gradient subtracts them), got size $(size(t))"))

export init_network, check_network, SimpleNet, SigmoidTwoLayerNet, identity_function, step_function, sigmoid_grad
