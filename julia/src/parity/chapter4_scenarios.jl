# The Julia side of chapter 4's parity scenarios (twin of pyref/parity/chapter4_scenarios.py).

"""
    Chapter4Scenarios

Twins of `pyref.parity.chapter4_scenarios`: the same keywords, the same named outputs.
"""
module Chapter4Scenarios

using ..PyRef
using ..PyRef: NumpyRandom, np_sum, softmax, cross_entropy_error
const NR = NumpyRandom

"""gradient_1d.py's 0.01 x² + 0.1 x."""
function_1(x) = 0.01 .* x .^ 2 .+ 0.1 .* x

"""gradient_2d.py's x0² + x1² of one point."""
function_2(x::AbstractVector) = np_sum(collect(x) .^ 2)

one_hot(t, classes) = Float64[t[i] == j - 1 for i in eachindex(t), j in 1:classes]

function cross_entropy(; seed, n, classes)
    rs = NR.RandomState(seed)
    y = softmax(3.0 .* NR.randn(rs, n, classes))
    t = NR.randint(rs, 0, classes, n)
    oh = one_hot(t, classes)
    return Dict{String,Any}("labels" => cross_entropy_error(y, t), "one_hot" => cross_entropy_error(y, oh),
                            "one_sample" => cross_entropy_error(y[1, :], oh[1, :]),
                            "one_label" => cross_entropy_error(y[1, :], t[1:1]))
end

function differentiation(; line, axis, curve, points, step_num, lrs)
    out = Dict{String,Any}()
    for (k, p) in enumerate(points)
        d = numerical_diff(function_1, p)
        out["diff/$(k - 1)"] = d
        out["tangent/$(k - 1)"] = d .* line .+ (function_1(p) - d * p)
    end
    m = length(axis)
    points2 = hcat([axis[j] for i in 1:m for j in 1:m], [axis[i] for i in 1:m for j in 1:m])
    out["field"] = permutedims(numerical_gradient_2d(function_2, points2))
    out["point"] = PyRef.numerical_gradient(function_2, [3.0, 4.0])
    for (k, lr) in enumerate(lrs)
        x, history = gradient_descent(function_2, [-3.0, 4.0], lr, step_num)
        out["descent/$(k - 1)/x"] = x
        out["descent/$(k - 1)/history"] = history
    end
    out["sigmoid_grad"] = sigmoid_grad(curve)
    return out
end

function simple_net(; seed)
    net = SimpleNet(; rng=NR.RandomState(seed))
    x, t = [0.6, 0.9], [0, 0, 1]
    W = copy(net.W)
    dW = PyRef.numerical_gradient(w -> loss(net, x, t), net.W)
    return Dict{String,Any}("W" => W, "loss" => loss(net, x, t), "scores" => predict(net, x), "dW" => dW)
end

function two_layer_gradients(; x, t, seed, hidden, numerical)
    rs = NR.RandomState(seed)
    net = SigmoidTwoLayerNet(size(x, 2), hidden, size(t, 2); rng=rs)
    out = Dict{String,Any}("initial" => copy(net.params))
    out["loss"] = loss(net, x, t)
    out["accuracy"] = accuracy(net, x, t)
    out["scores"] = predict(net, x)
    out["grads"] = gradient(net, x, t)
    small = SigmoidTwoLayerNet(20, 8, size(t, 2), 0.5; rng=rs)
    xs = NR.randn(rs, numerical, 20)
    out["small/numerical"] = PyRef.numerical_gradient(small, xs, t[1:numerical, :])
    out["small/gradient"] = gradient(small, xs, t[1:numerical, :])
    return out
end

function train_two_layer(; x_train, t_train, x_test, t_test, seed, iters_num, batch_size, learning_rate, hidden)
    rs = NR.RandomState(seed)
    network = SigmoidTwoLayerNet(size(x_train, 2), hidden, size(t_train, 2); rng=rs)
    train_size = size(x_train, 1)
    iter_per_epoch = max(train_size / batch_size, 1)
    train_loss, train_acc, test_acc = Float64[], Float64[], Float64[]
    for i in 0:(iters_num - 1)
        batch_mask = NR.choice(rs, train_size, batch_size) .+ 1
        x_batch, t_batch = x_train[batch_mask, :], t_train[batch_mask, :]
        grad = gradient(network, x_batch, t_batch)
        for key in ("W1", "b1", "W2", "b2")
            network.params[key] .-= learning_rate .* grad[key]
        end
        push!(train_loss, loss(network, x_batch, t_batch))
        if i % iter_per_epoch == 0
            push!(train_acc, accuracy(network, x_train, t_train))
            push!(test_acc, accuracy(network, x_test, t_test))
        end
    end
    return Dict{String,Any}("train_loss" => train_loss, "train_acc" => train_acc, "test_acc" => test_acc,
                            "params" => copy(network.params))
end

end # module Chapter4Scenarios
