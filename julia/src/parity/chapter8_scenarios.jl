# Chapter 8's parity scenarios (twin of pyref/parity/chapter8_scenarios.py): each function
# takes the Python function's keywords and returns the same named outputs.

"""
    Chapter8Scenarios

The book's DeepConvNet and its training by the Trainer, twins of
`pyref.parity.chapter8_scenarios`. Each starts its own `NumpyRandom.RandomState(seed)`,
which the dropout layers and the Trainer draw from too.
"""
module Chapter8Scenarios

using ..PyRef
using ..PyRef: NumpyRandom
const NR = NumpyRandom

kw(d) = (Symbol(k) => v for (k, v) in d)

function deep_convnet_gradients(; x, t, seed, settings, batch_size)
    rs = NR.RandomState(seed)
    net = DeepConvNet(; rng=rs, kw(settings)...)
    initial = Dict{String,Any}(k => copy(v) for (k, v) in net.params)
    grads = gradient(net, x, t)
    l = loss(net, x, t)
    scores = predict(net, x)
    train_scores = predict(net, x; train_flg=true)
    return Dict{String,Any}("initial" => initial, "grads" => grads, "loss" => l, "scores" => scores,
                            "train_scores" => train_scores,
                            "accuracy" => accuracy(net, x, t; batch_size=batch_size))
end

function deep_convnet_half_float(; x, t, seed, batch_size)
    rs = NR.RandomState(seed)
    net = DeepConvNet(; rng=rs)
    scores = predict(net, x)
    acc = accuracy(net, x, t; batch_size=batch_size)
    x16 = map(v -> np_float16(Float64(v)), x)
    for param in values(net.params)
        map!(v -> Float64(np_float16(v)), param, param)
    end
    return Dict{String,Any}("scores" => scores, "accuracy" => acc,
                            "half_params" => Dict{String,Any}(k => copy(v) for (k, v) in net.params),
                            "half_scores" => predict(net, x16),
                            "half_accuracy" => accuracy(net, x16, t; batch_size=batch_size))
end

function trainer_deep_convnet(; x_train, t_train, x_test, t_test, seed, net, trainer)
    rs = NR.RandomState(seed)
    model = DeepConvNet(; rng=rs, kw(net)...)
    tr = Trainer(model, x_train, t_train, x_test, t_test; verbose=false, rng=rs, kw(trainer)...)
    final = train!(tr)
    return Dict{String,Any}("train_loss" => tr.train_loss_list, "train_acc" => tr.train_acc_list,
                            "test_acc" => tr.test_acc_list, "final_test_acc" => final,
                            "params" => copy(model.params))
end

end # module Chapter8Scenarios
