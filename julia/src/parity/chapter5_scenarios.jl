# Chapter 5's parity scenarios (twin of pyref/parity/chapter5_scenarios.py): each function
# takes the Python function's keywords and returns the same named outputs.

"""
    Chapter5Scenarios

The computational graph (MulLayer, AddLayer) and the layered TwoLayerNet, twins of
`pyref.parity.chapter5_scenarios`. Each starts its own `NumpyRandom.RandomState(seed)`.
"""
module Chapter5Scenarios

using ..PyRef
using ..PyRef: NumpyRandom, Params, TWO_LAYER_PARAM_NAMES, iter_per_epoch
const NR = NumpyRandom

const BOOK_PURCHASE = (apple=100, apple_num=2, orange=150, orange_num=3, tax=1.1)

function _purchase(apple, apple_num, orange, orange_num, tax)
    mul_apple, mul_orange, add, mul_tax = MulLayer(), MulLayer(), AddLayer(), MulLayer()
    apple_price = forward(mul_apple, apple, apple_num)
    orange_price = forward(mul_orange, orange, orange_num)
    all_price = forward(add, apple_price, orange_price)
    price = forward(mul_tax, all_price, tax)
    dall_price, dtax = backward(mul_tax, 1)
    dapple_price, dorange_price = backward(add, dall_price)
    dorange, dorange_num = backward(mul_orange, dorange_price)
    dapple, dapple_num = backward(mul_apple, dapple_price)
    return Dict{String,Any}("all_price" => all_price, "price" => price, "dapple" => dapple,
                            "dapple_num" => dapple_num, "dorange" => dorange, "dorange_num" => dorange_num,
                            "dtax" => dtax)
end

function computational_graph(; seed, n)
    rs = NR.RandomState(seed)
    apple = 100.0 .* NR.rand(rs, n)
    apple_num = NR.randint(rs, 1, 10, n)
    orange = 100.0 .* NR.rand(rs, n)
    orange_num = NR.randint(rs, 1, 10, n)
    tax = 1.0 .+ NR.rand(rs, n)
    b = BOOK_PURCHASE
    return Dict{String,Any}("book" => _purchase(b.apple, b.apple_num, b.orange, b.orange_num, b.tax),
                            "drawn" => _purchase(apple, apple_num, orange, orange_num, tax))
end

function two_layer_gradients(; x, t, seed, hidden, numerical)
    net = LayeredTwoLayerNet(size(x, 2), hidden, size(t, 2); rng=NR.RandomState(seed))
    out = Dict{String,Any}("initial" => Dict{String,Any}(k => copy(v) for (k, v) in net.params))
    numerical && (out["numerical"] = numerical_gradient(net, x, t))
    out["grads"] = gradient(net, x, t)
    out["scores"] = predict(net, x)
    out["loss"] = loss(net, x, t)
    out["accuracy"] = accuracy(net, x, t)
    return out
end

function two_layer_training(; x_train, t_train, x_test, t_test, seed, hidden, iters, batch_size, learning_rate)
    rs = NR.RandomState(seed)
    net = LayeredTwoLayerNet(size(x_train, 2), hidden, size(t_train, 2); rng=rs)
    train_size = size(x_train, 1)
    per_epoch = iter_per_epoch(train_size, batch_size)
    losses, train_acc, test_acc = Float64[], Float64[], Float64[]
    for i in 0:(iters - 1)
        mask = NR.choice(rs, train_size, batch_size) .+ 1
        x_batch, t_batch = x_train[mask, :], t_train[mask, :]
        grad = gradient(net, x_batch, t_batch)
        for key in TWO_LAYER_PARAM_NAMES
            net.params[key] .-= learning_rate .* grad[key]
        end
        push!(losses, loss(net, x_batch, t_batch))
        if i % per_epoch == 0
            push!(train_acc, accuracy(net, x_train, t_train))
            push!(test_acc, accuracy(net, x_test, t_test))
        end
    end
    return Dict{String,Any}("train_loss" => losses, "train_acc" => train_acc, "test_acc" => test_acc,
                            "params" => copy(net.params))
end

end # module Chapter5Scenarios
